// On a terminal: colours (off with --no-color, NO_COLOR, or when not a TTY), the summary line,
// --quiet, and the progress line that long runs show on stderr.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Progress } from '../src/cli/progress.js';
import { AWAIT_LIB, DOUBLE_LOCK_LIB, lockscope, rustCrate, tempProject, writeFiles } from './cli-support.js';

const ESC = '\u001b[';

describe('colour', () => {
  const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));

  it('is on for a terminal, off with --no-color, a non-empty NO_COLOR, or no terminal', async () => {
    expect((await lockscope(['check'], { cwd, isTty: true })).stdout).toContain(ESC);
    expect((await lockscope(['check', '--no-color'], { cwd, isTty: true })).stdout).not.toContain(ESC);
    expect((await lockscope(['check'], { cwd, isTty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(ESC);
    expect((await lockscope(['check'], { cwd, isTty: true, env: { NO_COLOR: '' } })).stdout).toContain(ESC);
    expect((await lockscope(['check'], { cwd, isTty: false })).stdout).not.toContain(ESC);
  });
});

describe('summary and --quiet', () => {
  it('summarises files, findings per rule and time on stderr', async () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    writeFiles(cwd, { 'src/wait.rs': AWAIT_LIB.replace('use std::sync::Mutex;', 'use std::sync::Mutex;\nuse crate::Cache as _;').replace('pub struct Cache', 'pub struct Waiter').replace('impl Cache', 'impl Waiter') });
    const r = await lockscope(['check'], { cwd });
    expect(r.stderr).toMatch(/^lockscope: 1 error, 1 warning in 3 files \(\d+ ms\) — double-lock: 1, guard-across-await: 1$/m);
  });

  it('--quiet prints the findings and nothing else', async () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    const r = await lockscope(['check', '--quiet'], { cwd });
    expect(r.stdout).toContain('error[double-lock]');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });
});

describe('progress line', () => {
  it('appears only once a run has taken a while, and is erased at the end', async () => {
    const lines: (string | undefined)[] = [];
    const progress = new Progress((line) => lines.push(line));
    progress.phase('Rust: analysing 700 files');
    expect(lines).toEqual([]);
    await sleep(700);
    progress.phase('TS/JS: analysing 3 files');
    progress.done();
    expect(lines.some((l) => /^lockscope: Rust: analysing 700 files \(\d+\.\d s\)$/.test(l ?? ''))).toBe(true);
    expect(lines.at(-2)).toMatch(/^lockscope: TS\/JS: analysing 3 files/);
    expect(lines.at(-1)).toBeUndefined();
  });

  it('shows a phase expected to be long at once (a single crate is analysed without yielding)', () => {
    const lines: (string | undefined)[] = [];
    const progress = new Progress((line) => lines.push(line));
    progress.phase('Rust: analysing 420 files', true);
    progress.done();
    expect(lines).toEqual([expect.stringMatching(/^lockscope: Rust: analysing 420 files \(0\.\d s\)$/), undefined]);
  });

  it('a short run writes no progress, and --quiet none at all', async () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    const lines: (string | undefined)[] = [];
    await lockscope(['check'], { cwd, progress: (line) => lines.push(line) });
    await lockscope(['check', '--quiet'], { cwd, progress: (line) => lines.push(line) });
    expect(lines).toEqual([]);
  });
});
