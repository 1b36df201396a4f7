// Runs many short processes on every core, each with a hard time limit: a scenario that hangs
// costs only its own timeout (the scenario processes time themselves out first; the limit here is
// the backstop for a process that does not).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface ProcessResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  /** Killed by the backstop limit. */
  readonly killed: boolean;
}

export function runProcess(command: string, args: readonly string[], options: { cwd?: string; limitMs: number; env?: NodeJS.ProcessEnv }): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, options.limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, killed });
    });
  });
}

/** `work` over `items`, at most one per core at a time, results in input order. */
export async function onEveryCore<T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, availableParallelism()) }, worker));
  return results;
}
