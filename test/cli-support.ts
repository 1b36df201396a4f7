// Shared by the CLI tests: temporary projects, and running `lockscope` in-process or as the
// installed binary would run (`node bin/lockscope.js`, which imports dist/: `npm test` builds).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { main } from '../src/cli/main.js';
import type { Io } from '../src/core/io.js';

export const repoRoot = join(import.meta.dirname, '..');

export function tempProject(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'lockscope-cli-')));
  writeFiles(root, files);
  return root;
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly isTty?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly progress?: Io['progress'];
}

export async function lockscope(args: string[], options: RunOptions): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => void (stdout += text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => void (stderr += text.endsWith('\n') ? text : `${text}\n`),
    isTty: options.isTty ?? false,
    env: options.env ?? {},
    cwd: options.cwd,
    progress: options.progress,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** The built binary, as a hook or CI job runs it. */
export function lockscopeBin(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/lockscope.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const CARGO_TOML = '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n';

/** A double lock through a call into another file: `add` holds `items` and calls `push`. */
export const DOUBLE_LOCK_LIB = `use std::sync::Mutex;

mod helpers;

pub struct Cache {
    items: Mutex<Vec<u32>>,
}

impl Cache {
    pub fn add(&self, x: u32) {
        let guard = self.items.lock().unwrap();
        if guard.is_empty() {
            self.push(x);
        }
    }
}
`;

export const HELPERS = `use crate::Cache;

impl Cache {
    pub fn push(&self, x: u32) {
        self.items.lock().unwrap().push(x);
    }
}
`;

/** The fixed version: the guard is dropped before the call. */
export const FIXED_LIB = DOUBLE_LOCK_LIB.replace('        if guard.is_empty() {', '        let empty = guard.is_empty();\n        drop(guard);\n        if empty {');

/** Only a warning: a std guard held across an `.await`. */
export const AWAIT_LIB = `use std::sync::Mutex;

pub struct Cache {
    items: Mutex<Vec<u32>>,
}

async fn tick() {}

impl Cache {
    pub async fn add(&self, x: u32) {
        let guard = self.items.lock().unwrap();
        tick().await;
        drop(guard);
    }
}
`;

export const NESTED_TS = `import { Mutex } from 'async-mutex';

const m = new Mutex();

export async function f(): Promise<void> {
  await m.runExclusive(async () => {
    await m.runExclusive(async () => {});
  });
}
`;

export function rustCrate(lib: string): Record<string, string> {
  return { 'Cargo.toml': CARGO_TOML, 'src/lib.rs': lib, 'src/helpers.rs': HELPERS };
}
