// The synthetic workloads of `npm run bench`, written into a temporary directory. Each one stresses
// a cost the real corpus hides: code where every function locks (nothing for the pre-filter to
// skip), a call graph that is one long cycle (summaries and lock-order edges), TS/JS projects with
// and without types, and one minified bundle. Sizes are parameters so that time and memory can be
// read as functions of size.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FNS_PER_FILE = 100;

function writeCrate(dir: string, name: string, files: Map<string, string>): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'Cargo.toml'), `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n`);
  for (const [file, text] of files) writeFileSync(join(dir, 'src', file), text);
}

/**
 * A crate of `fns` functions, 100 to a file, where every function locks and half of them call,
 * under their guard, a locking function of the next file's type. One function per file re-locks
 * its own mutex through a call: one `double-lock` per file, so findings grow with size too.
 */
export function lockDenseCrate(dir: string, fns: number): void {
  const fileCount = Math.max(1, Math.round(fns / FNS_PER_FILE));
  const files = new Map<string, string>();
  const mods: string[] = [];
  for (let f = 0; f < fileCount; f++) {
    const next = (f + 1) % fileCount;
    mods.push(`pub mod m${f};`);
    const out: string[] = [
      'use std::sync::Mutex;',
      `use crate::m${next}::Shard${next};`,
      '',
      `pub struct Shard${f} {`,
      '    pub items: Mutex<Vec<u64>>,',
      '    pub count: Mutex<u64>,',
      '}',
      '',
      `impl Shard${f} {`,
    ];
    for (let j = 0; j < FNS_PER_FILE / 2; j++) {
      out.push(
        `    pub fn work_${j}(&self, next: &Shard${next}, x: u64) -> u64 {`,
        '        let mut items = self.items.lock().unwrap();',
        '        items.push(x);',
        j === 0 ? `        let n = self.leaf_${j}(x + 1);` : `        let n = next.leaf_${j}(x + 1);`,
        '        n + items.len() as u64',
        '    }',
        '',
        `    pub fn leaf_${j}(&self, x: u64) -> u64 {`,
        '        let mut count = self.count.lock().unwrap();',
        '        *count += x;',
        j === 0 ? '        drop(count);\n        let total = *self.count.lock().unwrap();\n        total' : '        *count',
        '    }',
        '',
      );
    }
    out.push('    pub fn recount(&self) -> u64 {', '        let count = self.count.lock().unwrap();', '        *count + self.leaf_1(1)', '    }', '}', '');
    files.set(`m${f}.rs`, out.join('\n'));
  }
  files.set('lib.rs', `${mods.join('\n')}\n`);
  writeCrate(dir, 'lock_dense', files);
}

/**
 * A crate of `fns` functions in one call cycle across files: function i takes one of eight
 * statics and, under its guard, calls function i+1; the last calls the first. Every pair of the
 * eight locks is taken in both orders somewhere on the cycle.
 */
export function cyclicCrate(dir: string, fns: number): void {
  const fileCount = Math.max(1, Math.round(fns / FNS_PER_FILE));
  const files = new Map<string, string>();
  const locks = 8;
  const mods: string[] = ['pub mod locks;'];
  files.set(
    'locks.rs',
    ['use std::sync::Mutex;', ...Array.from({ length: locks }, (_, k) => `pub static L${k}: Mutex<u64> = Mutex::new(0);`), ''].join('\n'),
  );
  const fnName = (i: number): string => {
    const n = i % fns;
    return `crate::m${Math.floor(n / FNS_PER_FILE)}::step_${n}`;
  };
  for (let f = 0; f < fileCount; f++) {
    mods.push(`pub mod m${f};`);
    const out: string[] = ['use crate::locks::*;', ''];
    for (let j = 0; j < FNS_PER_FILE; j++) {
      const i = f * FNS_PER_FILE + j;
      if (i >= fns) break;
      // Lock k then, through the next call, lock k+3: stride 3 over 8 visits every lock in both orders.
      out.push(`pub fn step_${i}(depth: u64) -> u64 {`, `    let g = L${(i * 3) % locks}.lock().unwrap();`, `    if depth == 0 { return *g; }`, `    *g + ${fnName(i + 1)}(depth - 1)`, '}', '');
    }
    files.set(`m${f}.rs`, out.join('\n'));
  }
  files.set('lib.rs', `${mods.join('\n')}\n`);
  writeCrate(dir, 'cyclic', files);
}

/**
 * A TS project of `files` modules using async-mutex: each class holds a mutex, runs work under it
 * and calls the next module's locked method (one nested lock per file). With `typed`, a
 * tsconfig.json covers the files and node_modules points at this package's (async-mutex's types).
 */
export function tsProject(dir: string, files: number, typed: boolean, nodeModules: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  if (typed) {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true }, include: ['src'] }, null, 2),
    );
    symlinkSync(nodeModules, join(dir, 'node_modules'), 'dir');
  }
  for (let f = 0; f < files; f++) {
    const next = (f + 1) % files;
    const out: string[] = [
      "import { Mutex } from 'async-mutex';",
      `import { Store${next} } from './store${next}.js';`,
      '',
      `export class Store${f} {`,
      '  private readonly mutex = new Mutex();',
      '  private readonly items: number[] = [];',
      `  constructor(private readonly next: Store${next} | undefined) {}`,
      '',
    ];
    for (let j = 0; j < 40; j++) {
      out.push(
        `  async add${j}(value: number): Promise<number> {`,
        '    return this.mutex.runExclusive(async () => {',
        '      this.items.push(value);',
        `      const total = this.items.reduce((sum, item) => sum + item * ${j + 1}, 0);`,
        '      if (total > 1000) this.items.splice(0, 1);',
        '      return total;',
        '    });',
        '  }',
        '',
        `  async forward${j}(value: number): Promise<number> {`,
        '    const release = await this.mutex.acquire();',
        '    try {',
        `      return (await this.next?.add${j}(value)) ?? 0;`,
        '    } finally {',
        '      release();',
        '    }',
        '  }',
        '',
      );
    }
    out.push('  async again(): Promise<number> {', '    return this.mutex.runExclusive(() => this.add0(1));', '  }', '}', '');
    writeFileSync(join(dir, 'src', `store${f}.ts`), out.join('\n'));
  }
}

/**
 * A minified bundle of about `kilobytes` KB: one line of classes that lock with async-mutex, and a
 * `sourceMappingURL` comment, as a bundler writes it.
 */
export function minifiedBundle(dir: string, kilobytes: number): void {
  mkdirSync(dir, { recursive: true });
  const parts: string[] = ['"use strict";var M=require("async-mutex");'];
  let size = parts[0].length;
  for (let i = 0; size < kilobytes * 1024; i++) {
    const part = `class C${i}{constructor(t){this.m=new M.Mutex,this.n=t,this.v=[]}async a(t){return this.m.runExclusive(async()=>{this.v.push(t);return this.v.length>${i % 97}?this.v.shift():t})}async b(t){const e=await this.m.acquire();try{return this.n?await this.n.a(t+${i % 13}):0}finally{e()}}}`;
    parts.push(part);
    size += part.length;
  }
  parts.push('\n//# sourceMappingURL=bundle.js.map\n');
  writeFileSync(join(dir, 'bundle.js'), parts.join(''));
}
