// Adversarial inputs: shapes no fixture has (huge, deep, wide, cyclic) and file-system oddities
// (encodings, line endings, binary files, directories with source names, symlink loops,
// unreadable files). Each class builds its input in a fresh directory and says what a correct
// run must show beyond "no crash, no hang": files that must be noted, or findings that must
// equal those of a clean reference (a CRLF copy of a positive fixture finds the same bugs).
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { random } from './mutate.js';

export type Scale = 'short' | 'full';

export interface AdversarialSetup {
  /** Paths given to discovery, relative to the case directory. */
  readonly paths: readonly string[];
  /** Files (relative to the case directory) the run must name in a note. */
  readonly mustNote?: readonly string[];
  /** A directory (relative) holding the clean version: findings must be the same, line for line. */
  readonly reference?: string;
  /** Something the run cannot test on this machine, said in the table instead of faked. */
  readonly caveat?: string;
}

export interface AdversarialClass {
  readonly name: string;
  readonly language: 'rust' | 'ts';
  /** Wall-clock budget for the whole case; the per-file 2 s bound applies to fixture-sized files. */
  readonly budgetMs: number;
  build(dir: string, scale: Scale, root: string): AdversarialSetup;
}

const CARGO = '[package]\nname = "adversarial"\nversion = "0.1.0"\nedition = "2021"\n';
const PRELUDE = 'use std::sync::{Mutex, MutexGuard, RwLock};\n\npub struct S {\n    m: Mutex<u32>,\n    load: RwLock<Vec<u32>>,\n}\n\n';

/** Full size in `npm run fuzz`; the short run inside `npm test` keeps every shape, smaller. */
function size(scale: Scale, full: number, short: number): number {
  return scale === 'full' ? full : short;
}

function write(dir: string, rel: string, content: string | Buffer): void {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

function crate(dir: string, files: Record<string, string | Buffer>): void {
  write(dir, 'Cargo.toml', CARGO);
  for (const [rel, content] of Object.entries(files)) write(dir, join('src', rel), content);
}

/** A function that holds a guard across an `if let … else` that re-locks: one finding each. */
function lockHeavyFn(i: number): string {
  return `    fn f${i}(&self) -> u32 {\n        if let Some(x) = self.load.read().unwrap().get(${i}) {\n            *x\n        } else {\n            self.load.write().unwrap().push(${i});\n            self.f${i + 1}()\n        }\n    }\n`;
}

/** Plain code without locks, as generated bindings are: most of a huge real file. */
function plainFn(i: number): string {
  return `    fn g${i}(&self, v: &[u32]) -> u32 {\n        let mut acc = ${i};\n        for x in v.iter() {\n            acc = acc.wrapping_mul(31).wrapping_add(*x);\n        }\n        match acc % 3 {\n            0 => acc,\n            1 => self.g${i + 1}(v),\n            _ => acc / 2,\n        }\n    }\n`;
}

const SEED_TS = `import { Mutex } from 'async-mutex';

const mutex = new Mutex();

export async function outer(): Promise<void> {
  await mutex.runExclusive(async () => {
    await inner();
  });
}

async function inner(): Promise<void> {
  await mutex.runExclusive(async () => {});
}
`;

function positiveRust(root: string): string {
  return readFileSync(join(root, 'fixtures/rust/guard_across_branch_if_let.rs'), 'utf8');
}

function referencePair(dir: string, language: 'rust' | 'ts', clean: string, hostile: string | Buffer): AdversarialSetup {
  if (language === 'rust') {
    crate(join(dir, 'reference'), { 'lib.rs': clean });
    crate(join(dir, 'case'), { 'lib.rs': hostile });
  } else {
    write(dir, 'reference/index.ts', clean);
    write(dir, 'case/index.ts', hostile);
  }
  return { paths: ['case'], reference: 'reference' };
}

/** chmod 000 keeps root out of nothing; say so rather than pretend the case ran. */
function unreadable(dir: string, rel: string): string | undefined {
  const path = join(dir, rel);
  chmodSync(path, 0);
  try {
    accessSync(path, constants.R_OK);
    return 'running as root: a chmod 000 file is still readable, so this case checks it is analysed, not refused';
  } catch {
    return undefined;
  }
}

export const ADVERSARIAL: readonly AdversarialClass[] = [
  {
    name: 'rust: 10 MB generated file',
    language: 'rust',
    budgetMs: 90_000,
    build(dir, scale) {
      const target = size(scale, 10_000_000, 1_000_000);
      const parts = [PRELUDE, 'impl S {\n'];
      let written = PRELUDE.length;
      for (let i = 0; written < target; i++) {
        // One function in ten takes a lock: generated code is mostly plain.
        const fn = i % 10 === 0 ? lockHeavyFn(i) : plainFn(i);
        parts.push(fn);
        written += fn.length;
      }
      parts.push('}\n');
      crate(dir, { 'lib.rs': parts.join('') });
      return { paths: ['.'] };
    },
  },
  {
    name: 'rust: 100,000-deep nested expressions',
    language: 'rust',
    budgetMs: 10_000,
    build(dir, scale) {
      const n = size(scale, 100_000, 20_000);
      crate(dir, {
        'parens.rs': `${PRELUDE}impl S { fn f(&self) -> u32 { ${'('.repeat(n)}*self.m.lock().unwrap()${')'.repeat(n)} } }\n`,
        'binary.rs': `${PRELUDE}impl S { fn f(&self) -> u32 { *self.m.lock().unwrap()${' + 1'.repeat(n)} } }\n`,
        'chain.rs': `${PRELUDE}impl S { fn f(&self) { self.m.lock()${'.unwrap()'.repeat(n)}; } }\n`,
        'unary.rs': `${PRELUDE}impl S { fn f(&self) -> bool { ${'!'.repeat(n)}self.m.lock().is_ok() } }\n`,
        'index.rs': `${PRELUDE}impl S { fn f(&self, v: Vec<u32>) -> u32 { v${'[0]'.repeat(n)} } }\n`,
        'closures.rs': `${PRELUDE}impl S { fn f(&self) { let g = self.m.lock().unwrap(); ${'(|| '.repeat(n)}self.m.lock()${')()'.repeat(n)}; } }\n`,
        'types.rs': `${PRELUDE}type T = ${'Vec<'.repeat(n)}u32${'>'.repeat(n)};\n`,
        'lib.rs': 'mod parens; mod binary; mod chain; mod unary; mod index; mod closures; mod types;\n',
      });
      return { paths: ['.'] };
    },
  },
  {
    name: 'rust: 100,000-deep nested blocks',
    language: 'rust',
    budgetMs: 10_000,
    build(dir, scale) {
      const n = size(scale, 100_000, 20_000);
      crate(dir, {
        'blocks.rs': `${PRELUDE}impl S { fn f(&self) { ${'{ '.repeat(n)}let g = self.m.lock().unwrap();${' }'.repeat(n)} } }\n`,
        'ifs.rs': `${PRELUDE}impl S { fn f(&self) { let g = self.m.lock().unwrap(); ${'if true { '.repeat(n)}self.m.lock();${' }'.repeat(n)} } }\n`,
        'matches.rs': `${PRELUDE}impl S { fn f(&self) { ${'match self.m.lock() { _ => '.repeat(n)}()${' }'.repeat(n)} } }\n`,
        'loops.rs': `${PRELUDE}impl S { fn f(&self) { ${'loop { '.repeat(n)}self.m.lock();${' }'.repeat(n)} } }\n`,
        'modules.rs': `${'mod a { '.repeat(n)}${' }'.repeat(n)}\n`,
        'lib.rs': 'mod blocks; mod ifs; mod matches; mod loops; mod modules;\n',
      });
      return { paths: ['.'] };
    },
  },
  {
    name: 'rust: 5,000-arm match',
    language: 'rust',
    budgetMs: 5_000,
    build(dir) {
      const arms = Array.from({ length: 5000 }, (_, i) => `            ${i} => self.h${i % 50}(),\n`).join('');
      const helpers = Array.from({ length: 50 }, (_, i) => `    fn h${i}(&self) { ${i % 2 === 0 ? 'self.m.lock().unwrap();' : ''} }\n`).join('');
      crate(dir, { 'lib.rs': `${PRELUDE}impl S {\n    fn f(&self) {\n        match *self.m.lock().unwrap() {\n${arms}            _ => {}\n        }\n    }\n${helpers}}\n` });
      return { paths: ['.'] };
    },
  },
  {
    name: 'rust: self-calling function and 10,000-function call cycle',
    language: 'rust',
    budgetMs: 10_000,
    build(dir, scale) {
      const n = size(scale, 10_000, 2_000);
      const cycle = Array.from({ length: n }, (_, i) => `    fn c${i}(&self) { self.c${(i + 1) % n}(); ${i === n / 2 ? 'self.m.lock().unwrap();' : ''} }\n`).join('');
      crate(dir, {
        'lib.rs': `${PRELUDE}impl S {\n    fn selfish(&self) { let g = self.m.lock().unwrap(); self.selfish(); }\n    fn root(&self) { let g = self.m.lock().unwrap(); self.c0(); }\n${cycle}}\n`,
        'free.rs': `use std::sync::Mutex;\nstatic M: Mutex<u32> = Mutex::new(0);\nfn root() { let g = M.lock().unwrap(); p0(); }\n${Array.from({ length: n }, (_, i) => `fn p${i}() { p${(i + 1) % n}(); }\n`).join('')}`,
      });
      return { paths: ['.'] };
    },
  },
  {
    name: 'rust: 10,000-deep chain of guard-returning helpers',
    language: 'rust',
    budgetMs: 10_000,
    build(dir, scale) {
      const n = size(scale, 10_000, 2_000);
      const chain = Array.from({ length: n }, (_, i) => `    fn h${i}(&self) -> MutexGuard<'_, u32> { self.h${i + 1}() }\n`).join('');
      crate(dir, {
        'lib.rs': `${PRELUDE}impl S {\n    fn root(&self) { let g = self.h0(); self.m.lock().unwrap(); }\n${chain}    fn h${n}(&self) -> MutexGuard<'_, u32> { self.m.lock().unwrap() }\n}\n`,
      });
      return { paths: ['.'] };
    },
  },
  {
    name: 'rust: 10,000 impl blocks of one type across files',
    language: 'rust',
    budgetMs: 60_000,
    build(dir, scale) {
      const n = size(scale, 10_000, 1_000);
      const files: Record<string, string> = {
        'lib.rs': `${PRELUDE}impl S {\n    fn root(&self) {\n        if let Some(x) = self.load.read().unwrap().first() {\n            self.i0();\n        }\n    }\n}\n${Array.from({ length: n }, (_, i) => `mod m${i};\n`).join('')}`,
      };
      for (let i = 0; i < n; i++) {
        files[`m${i}.rs`] = `use crate::S;\nimpl S {\n    pub fn i${i}(&self) { ${i === n - 1 ? 'self.load.write().unwrap().push(1);' : `self.i${i + 1}();`} }\n}\n`;
      }
      crate(dir, files);
      return { paths: ['.'] };
    },
  },
  {
    name: 'rust: very long lines',
    language: 'rust',
    budgetMs: 20_000,
    build(dir, scale) {
      const n = size(scale, 1_000_000, 50_000);
      crate(dir, {
        'statements.rs': `${PRELUDE}impl S { fn f(&self) { ${'let x = self.m.lock().unwrap(); drop(x); '.repeat(n / 20)} } }\n`,
        'literal.rs': `${PRELUDE}const L: &str = "${'a'.repeat(n * 10)}";\n`,
        'comment.rs': `${PRELUDE}// ${'c'.repeat(n * 10)}\nimpl S { fn f(&self) { let g = self.m.lock().unwrap(); self.m.lock(); } }\n`,
        'array.rs': `${PRELUDE}const A: [u32; ${n}] = [${'1, '.repeat(n)}];\n`,
        'macro.rs': `${PRELUDE}impl S { fn f(&self) { let v = vec![${'1, '.repeat(n)}]; } }\n`,
        'lib.rs': 'mod statements; mod literal; mod comment; mod array; mod macro;\n',
      });
      return { paths: ['.'] };
    },
  },
  {
    name: 'rust: CRLF line endings',
    language: 'rust',
    budgetMs: 5_000,
    build(dir, _scale, root) {
      const clean = positiveRust(root);
      return referencePair(dir, 'rust', clean, clean.replace(/\n/g, '\r\n'));
    },
  },
  {
    name: 'rust: mixed line endings',
    language: 'rust',
    budgetMs: 5_000,
    build(dir, _scale, root) {
      const clean = positiveRust(root);
      let i = 0;
      return referencePair(dir, 'rust', clean, clean.replace(/\n/g, () => (i++ % 2 === 0 ? '\r\n' : '\n')));
    },
  },
  {
    name: 'rust: byte-order mark',
    language: 'rust',
    budgetMs: 5_000,
    build(dir, _scale, root) {
      const clean = positiveRust(root);
      return referencePair(dir, 'rust', clean, `\ufeff${clean}`);
    },
  },
  {
    name: 'rust: non-UTF-8 bytes, binary, empty, a directory named x.rs',
    language: 'rust',
    budgetMs: 5_000,
    build(dir, _scale, root) {
      const rand = random(7);
      const binary = Buffer.from(Array.from({ length: 65_536 }, () => Math.floor(rand() * 256)));
      const latin1 = Buffer.from(positiveRust(root).replace('fn ', 'fn caf\u00e9_'), 'latin1');
      crate(dir, { 'lib.rs': positiveRust(root), 'latin1.rs': latin1, 'binary.rs': binary, 'empty.rs': '' });
      mkdirSync(join(dir, 'src/x.rs'));
      write(dir, 'src/x.rs/inner.rs', positiveRust(root));
      return { paths: ['.'], mustNote: ['src/latin1.rs', 'src/binary.rs'] };
    },
  },
  {
    name: 'rust: symlink loops and links out of the tree',
    language: 'rust',
    budgetMs: 5_000,
    build(dir, _scale, root) {
      crate(join(dir, 'tree'), { 'lib.rs': positiveRust(root) });
      write(dir, 'outside/secret.rs', positiveRust(root));
      symlinkSync('loop-b', join(dir, 'tree/src/loop-a'));
      symlinkSync('loop-a', join(dir, 'tree/src/loop-b'));
      symlinkSync('..', join(dir, 'tree/src/parent'));
      symlinkSync('self.rs', join(dir, 'tree/src/self.rs'));
      symlinkSync('../../outside', join(dir, 'tree/src/escape'));
      symlinkSync('../../outside/secret.rs', join(dir, 'tree/src/escape.rs'));
      return { paths: ['tree'], mustNote: ['tree/src/loop-a', 'tree/src/loop-b', 'tree/src/self.rs', 'tree/src/escape', 'tree/src/escape.rs'] };
    },
  },
  {
    // A file reached through a link beside its directory, or through a link to the root, is still
    // one file: the same findings as the plain tree, under their own paths, once.
    name: 'rust: symlinked sibling directory and a link to the root',
    language: 'rust',
    budgetMs: 5_000,
    build(dir, _scale, root) {
      crate(join(dir, 'reference'), { 'lib.rs': positiveRust(root) });
      crate(join(dir, 'case'), { 'lib.rs': positiveRust(root) });
      symlinkSync('src', join(dir, 'case/alias'));
      symlinkSync('.', join(dir, 'case/src/self'));
      symlinkSync('..', join(dir, 'case/src/up'));
      return { paths: ['case'], reference: 'reference' };
    },
  },
  {
    // An unfinished statement and a missing closer must not hide the findings of intact functions:
    // the reference is the same file with the broken text replaced by spaces (lines unchanged).
    name: 'ts: half-written file with bugs in intact functions',
    language: 'ts',
    budgetMs: 20_000,
    build(dir) {
      const intact = `${SEED_TS}
export async function later(): Promise<void> {
  await mutex.runExclusive(async () => {
    await mutex.runExclusive(async () => {});
  });
}
`;
      const broken = `export function unfinished(): number {
  const x =
}

`;
      const unclosed = `export function unclosed(): void {
  if (mutex.isLocked()) {
    console.log(
`;
      write(dir, 'reference/index.ts', `${intact.replace('export async function outer', `${broken.replace(/[^\n]/g, ' ')}export async function outer`)}${unclosed.replace(/[^\n]/g, ' ')}`);
      write(dir, 'case/index.ts', `${intact.replace('export async function outer', `${broken}export async function outer`)}${unclosed}`);
      return { paths: ['case'], reference: 'reference', mustNote: ['case/index.ts'] };
    },
  },
  {
    name: 'rust: unreadable file (chmod 000)',
    language: 'rust',
    budgetMs: 5_000,
    build(dir, _scale, root) {
      crate(dir, { 'lib.rs': 'mod locked;\n', 'locked.rs': positiveRust(root) });
      const caveat = unreadable(dir, 'src/locked.rs');
      return { paths: ['.'], mustNote: caveat ? [] : ['src/locked.rs'], caveat };
    },
  },
  {
    name: 'ts: 10 MB generated file',
    language: 'ts',
    budgetMs: 120_000,
    build(dir, scale) {
      const target = size(scale, 10_000_000, 200_000);
      const parts = ["import { Mutex } from 'async-mutex';\nconst mutex = new Mutex();\n"];
      let written = 0;
      for (let i = 0; written < target; i++) {
        const fn =
          i % 10 === 0
            ? `export async function f${i}(): Promise<void> {\n  await mutex.runExclusive(async () => {\n    await f${i + 10}();\n  });\n}\n`
            : `export function g${i}(v: number[]): number {\n  let acc = ${i};\n  for (const x of v) acc = (acc * 31 + x) | 0;\n  return acc % 3 === 0 ? acc : g${i + 1}(v);\n}\n`;
        parts.push(fn);
        written += fn.length;
      }
      write(dir, 'big.ts', parts.join(''));
      return { paths: ['.'] };
    },
  },
  {
    name: 'ts: 100,000-deep nesting',
    language: 'ts',
    budgetMs: 20_000,
    build(dir, scale) {
      const n = size(scale, 100_000, 20_000);
      const head = "import { Mutex } from 'async-mutex';\nconst mutex = new Mutex();\n";
      write(dir, 'parens.ts', `${head}export const x = ${'('.repeat(n)}1${')'.repeat(n)};\n`);
      write(dir, 'binary.ts', `${head}export const x = 1${' + 1'.repeat(n)};\n`);
      write(dir, 'blocks.ts', `${head}export async function f() { ${'{ '.repeat(n)}await mutex.runExclusive(async () => {});${' }'.repeat(n)} }\n`);
      write(dir, 'callbacks.ts', `${head}export async function f() { await mutex.runExclusive(async () => { ${'await mutex.runExclusive(async () => { '.repeat(n / 10)}${'}); '.repeat(n / 10)}}); }\n`);
      write(dir, 'arrays.js', `export const a = ${'['.repeat(n)}${']'.repeat(n)};\n`);
      return { paths: ['.'] };
    },
  },
  {
    name: 'ts: self-call and 10,000-function call cycle',
    language: 'ts',
    budgetMs: 30_000,
    build(dir, scale) {
      const n = size(scale, 10_000, 2_000);
      const cycle = Array.from({ length: n }, (_, i) => `async function c${i}(): Promise<void> { await c${(i + 1) % n}(); }\n`).join('');
      write(
        dir,
        'cycle.ts',
        `import { Mutex } from 'async-mutex';\nconst mutex = new Mutex();\nexport async function selfish(): Promise<void> { await mutex.runExclusive(async () => { await selfish(); }); }\nexport async function root(): Promise<void> { await mutex.runExclusive(async () => { await c0(); }); }\n${cycle}async function tail(): Promise<void> { await mutex.runExclusive(async () => {}); }\n`,
      );
      return { paths: ['.'] };
    },
  },
  {
    name: 'ts: very long lines',
    language: 'ts',
    budgetMs: 20_000,
    build(dir, scale) {
      const n = size(scale, 1_000_000, 50_000);
      write(dir, 'literal.ts', `export const s = "${'a'.repeat(n * 10)}";\n`);
      write(dir, 'array.ts', `export const a = [${'1, '.repeat(n)}];\n`);
      write(dir, 'statements.ts', `${SEED_TS}${'void 0; '.repeat(n / 5)}\n`);
      return { paths: ['.'] };
    },
  },
  {
    name: 'ts: CRLF line endings',
    language: 'ts',
    budgetMs: 5_000,
    build(dir) {
      return referencePair(dir, 'ts', SEED_TS, SEED_TS.replace(/\n/g, '\r\n'));
    },
  },
  {
    name: 'ts: mixed line endings',
    language: 'ts',
    budgetMs: 5_000,
    build(dir) {
      let i = 0;
      return referencePair(dir, 'ts', SEED_TS, SEED_TS.replace(/\n/g, () => (i++ % 2 === 0 ? '\r\n' : '\n')));
    },
  },
  {
    name: 'ts: byte-order mark',
    language: 'ts',
    budgetMs: 5_000,
    build(dir) {
      return referencePair(dir, 'ts', SEED_TS, `\ufeff${SEED_TS}`);
    },
  },
  {
    name: 'ts: non-UTF-8 bytes, binary, empty, a directory named x.ts',
    language: 'ts',
    budgetMs: 10_000,
    build(dir) {
      const rand = random(11);
      write(dir, 'seed.ts', SEED_TS);
      write(dir, 'latin1.ts', Buffer.from(SEED_TS.replace('outer', 'caf\u00e9'), 'latin1'));
      write(dir, 'binary.ts', Buffer.from(Array.from({ length: 65_536 }, () => Math.floor(rand() * 256))));
      write(dir, 'empty.ts', '');
      write(dir, 'empty.mjs', '');
      mkdirSync(join(dir, 'x.ts'));
      write(dir, 'x.ts/inner.ts', SEED_TS);
      return { paths: ['.'], mustNote: ['latin1.ts', 'binary.ts'] };
    },
  },
  {
    name: 'ts: symlink loops and links out of the tree',
    language: 'ts',
    budgetMs: 10_000,
    build(dir) {
      write(dir, 'tree/index.ts', SEED_TS);
      write(dir, 'outside/secret.ts', SEED_TS);
      symlinkSync('loop-b.ts', join(dir, 'tree/loop-a.ts'));
      symlinkSync('loop-a.ts', join(dir, 'tree/loop-b.ts'));
      symlinkSync('.', join(dir, 'tree/again'));
      symlinkSync('../outside/secret.ts', join(dir, 'tree/escape.ts'));
      return { paths: ['tree'], mustNote: ['tree/loop-a.ts', 'tree/loop-b.ts', 'tree/escape.ts'] };
    },
  },
  {
    name: 'ts: unreadable file (chmod 000)',
    language: 'ts',
    budgetMs: 10_000,
    build(dir) {
      write(dir, 'locked.ts', SEED_TS);
      const caveat = unreadable(dir, 'locked.ts');
      return { paths: ['.'], mustNote: caveat ? [] : ['locked.ts'], caveat };
    },
  },
];
