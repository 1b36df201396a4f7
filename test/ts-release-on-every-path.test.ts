import rule from '../src/rules/release-on-every-path.js';
import { runRuleBothWays } from './ts-rule-tester.js';

runRuleBothWays('release-on-every-path', rule, {
  messageId: 'unreleasedPath',
  suggestionId: 'wrapInTryFinally',
  invalid: [
    // A continue or break out of the loop around the acquisition skips the release.
    {
      code: `const mutex = new Mutex();
export async function drain(jobs: string[]) {
  for (const job of jobs) {
    const release = await mutex.acquire(); // <-
    if (job === '') continue;
    release();
  }
}`,
      suggestions: [`const mutex = new Mutex();
export async function drain(jobs: string[]) {
  for (const job of jobs) {
    const release = await mutex.acquire(); // <-
    try {
      if (job === '') continue;
    } finally {
      release();
    }
  }
}`],
    },
    {
      code: `const mutex = new Mutex();
export async function drain(jobs: string[]) {
  for (const job of jobs) {
    const release = await mutex.acquire(); // <-
    if (job === '') break;
    release();
  }
}`,
      suggestions: [`const mutex = new Mutex();
export async function drain(jobs: string[]) {
  for (const job of jobs) {
    const release = await mutex.acquire(); // <-
    try {
      if (job === '') break;
    } finally {
      release();
    }
  }
}`],
    },
    {
      code: `const lock = new AwaitLock();
export async function grid(rows: string[][]) {
  rows: for (const row of rows) {
    await lock.acquireAsync(); // <-
    for (const cell of row) if (cell === '') continue rows;
    lock.release();
  }
}`,
      suggestions: [`const lock = new AwaitLock();
export async function grid(rows: string[][]) {
  rows: for (const row of rows) {
    await lock.acquireAsync(); // <-
    try {
      for (const cell of row) if (cell === '') continue rows;
    } finally {
      lock.release();
    }
  }
}`],
    },
    // issue 3, miss 2: a releaser skipped by an early return
    {
      code: `const mutex = new Mutex();
const seen = new Set<string>();
export async function record(id: string) {
  const release = await mutex.acquire(); // <-
  if (seen.has(id)) return;
  seen.add(id);
  release();
}`,
      suggestions: [`const mutex = new Mutex();
const seen = new Set<string>();
export async function record(id: string) {
  const release = await mutex.acquire(); // <-
  try {
    if (seen.has(id)) return;
    seen.add(id);
  } finally {
    release();
  }
}`],
    },
    {
      code: `const mutex = new Mutex();
export async function check(ok: boolean) {
  const release = await mutex.acquire(); // <-
  if (!ok) throw new Error('not ok');
  release();
}`,
      suggestions: [`const mutex = new Mutex();
export async function check(ok: boolean) {
  const release = await mutex.acquire(); // <-
  try {
    if (!ok) throw new Error('not ok');
  } finally {
    release();
  }
}`],
    },
    {
      code: `const mutex = new Mutex();
async function work() { return 1; }
export async function run() {
  const release = await mutex.acquire(); // <-
  await work();
  release();
}`,
      suggestions: [`const mutex = new Mutex();
async function work() { return 1; }
export async function run() {
  const release = await mutex.acquire(); // <-
  try {
    await work();
  } finally {
    release();
  }
}`],
    },
    {
      code: `const mutex = new Mutex();
export async function forget() {
  const release = await mutex.acquire(); // <-
  console.log('locked');
}`,
      suggestions: [`const mutex = new Mutex();
export async function forget() {
  const release = await mutex.acquire(); // <-
  try {
    console.log('locked');
  } finally {
    release();
  }
}`],
    },
    {
      code: `const mutex = new Mutex();
export async function maybe(ok: boolean) {
  const release = await mutex.acquire(); // <-
  if (ok) {
    release();
  }
}`,
      suggestions: [null],
    },
    {
      code: `const pool = new Semaphore(3);
export async function fetchOne(url: string) {
  const [, release] = await pool.acquire(); // <-
  if (url === '') return;
  release();
}`,
      suggestions: [`const pool = new Semaphore(3);
export async function fetchOne(url: string) {
  const [, release] = await pool.acquire(); // <-
  try {
    if (url === '') return;
  } finally {
    release();
  }
}`],
    },
    {
      code: `class Cache {
  private lock = new AwaitLock();
  async put(key: string) {
    await this.lock.acquireAsync(); // <-
    if (key === '') return;
    this.lock.release();
  }
}`,
      suggestions: [`class Cache {
  private lock = new AwaitLock();
  async put(key: string) {
    await this.lock.acquireAsync(); // <-
    try {
      if (key === '') return;
    } finally {
      this.lock.release();
    }
  }
}`],
    },
    {
      code: `const lock = mutexify();
export async function step(n: number) {
  const release = await lock(); // <-
  if (n > 3) return n;
  release();
  return 0;
}`,
      suggestions: [`const lock = mutexify();
export async function step(n: number) {
  const release = await lock(); // <-
  try {
    if (n > 3) return n;
    return 0;
  } finally {
    release();
  }
}`],
    },
    {
      code: `const mutex = new Mutex();
export async function pick(kind: string) {
  const release = await mutex.acquire(); // <-
  switch (kind) {
    case 'a':
      release();
      return 1;
    case 'b':
      return 2;
    default:
      release();
      return 3;
  }
}`,
      suggestions: [null],
    },
    {
      code: `const mutex = new Mutex();
async function work() { return 1; }
export async function swallow() {
  const release = await mutex.acquire(); // <-
  try {
    await work();
  } catch {
    return;
  }
  release();
}`,
      suggestions: [`const mutex = new Mutex();
async function work() { return 1; }
export async function swallow() {
  const release = await mutex.acquire(); // <-
  try {
    try {
      await work();
    } catch {
      return;
    }
  } finally {
    release();
  }
}`],
    },
    {
      code: `const mutex = new Mutex();
export async function loop(items: number[]) {
  let release: () => void;
  release = await mutex.acquire(); // <-
  for (const item of items) {
    if (item > 3) return;
  }
  release();
}`,
      suggestions: [`const mutex = new Mutex();
export async function loop(items: number[]) {
  let release: () => void;
  release = await mutex.acquire(); // <-
  try {
    for (const item of items) {
      if (item > 3) return;
    }
  } finally {
    release();
  }
}`],
    },
    {
      code: `class Store {
  private mutex = new Mutex();
  async save(ok: boolean) {
    const release = await this.mutex.acquire(); // <-
    if (!ok) return false;
    release();
    return true;
  }
}`,
      suggestions: [`class Store {
  private mutex = new Mutex();
  async save(ok: boolean) {
    const release = await this.mutex.acquire(); // <-
    try {
      if (!ok) return false;
      return true;
    } finally {
      release();
    }
  }
}`],
    },
    {
      code: `class Store {
  private mutex = new Mutex();
  async save(ok: boolean) {
    await this.mutex.acquire(); // <-
    if (ok) this.mutex.release();
  }
}`,
      suggestions: [null],
    },
    {
      code: `const mutex = new Mutex();
export async function nested(a: boolean, b: boolean) {
  const release = await mutex.acquire(); // <-
  if (a) {
    if (b) return 1;
    release();
    return 2;
  }
  release();
  return 3;
}`,
      suggestions: [null],
    },
    {
      code: `const blocks = mortice();
export async function discard() {
  await blocks.writeLock(); // <-
}`,
      messageId: 'discardedReleaser',
    },
    // \`p.then(f)\` runs \`f\` only when \`p\` fulfils: a rejection of \`load()\` never releases.
    {
      code: `const mutex = new Mutex();
declare function load(): Promise<number>;
export function refresh() {
  return mutex.acquire().then((release) => { // <-
    return load().then((value) => {
      release();
      return value;
    });
  });
}`,
      suggestions: [null],
    },
    {
      code: `const mutex = new Mutex();
declare function load(): Promise<number>;
export async function refresh() {
  const release = await mutex.acquire(); // <-
  load().then(release);
}`,
      suggestions: [null],
    },
  ],
  valid: [
    `const mutex = new Mutex();
declare function load(): Promise<number>;
export function refresh() {
  return mutex.acquire().then((release) => load().finally(release));
}`,
    `const mutex = new Mutex();
declare function load(): Promise<number>;
export async function refresh() {
  const release = await mutex.acquire();
  load().then(release, release);
}`,
    `const mutex = new Mutex();
declare function load(): Promise<number>;
export function refresh() {
  return mutex.acquire().then((release) => load().catch(() => 0).then(() => release()));
}`,
    `const mutex = new Mutex();
export async function drain(jobs: string[]) {
  for (const job of jobs) {
    const release = await mutex.acquire();
    try {
      if (job === '') continue;
    } finally {
      release();
    }
  }
}`,
    `const mutex = new Mutex();
export async function scan(jobs: string[]) {
  const release = await mutex.acquire();
  for (const job of jobs) {
    if (job === 'stop') break;
  }
  release();
}`,
    `const lock = new AwaitLock();
export async function drain(jobs: string[]) {
  for (const job of jobs) {
    await lock.acquireAsync();
    if (job === 'stop') break;
    lock.release();
  }
  if (lock.acquired) lock.release();
}`,
    `const mutex = new Mutex();
export async function record(seen: Set<string>, id: string) {
  const release = await mutex.acquire();
  try {
    if (seen.has(id)) return;
    seen.add(id);
  } finally {
    release();
  }
}`,
    `const mutex = new Mutex();
export async function record() {
  await mutex.runExclusive(async () => { if (Math.random() > 0.5) return; });
}`,
    `const mutex = new Mutex();
export async function lease() {
  const release = await mutex.acquire();
  return release;
}`,
    `const mutex = new Mutex();
async function work() { return 1; }
export async function later() {
  const release = await mutex.acquire();
  return work().finally(release);
}`,
    `const mutex = new Mutex();
export async function both(ok: boolean) {
  const release = await mutex.acquire();
  if (!ok) {
    release();
    return;
  }
  release();
}`,
    `const mutex = new Mutex();
export async function branches(ok: boolean) {
  const release = await mutex.acquire();
  if (ok) {
    release();
  } else {
    release();
  }
}`,
    `const mutex = new Mutex();
async function work() { return 1; }
export async function rethrow() {
  const release = await mutex.acquire();
  try {
    await work();
  } catch (error) {
    release();
    throw error;
  }
  release();
}`,
    `const mutex = new Mutex();
export async function inside() {
  let release: (() => void) | undefined;
  try {
    release = await mutex.acquire();
    if (Math.random() > 0.5) return;
  } finally {
    release?.();
  }
}`,
    `class Cache {
  private lock = new AwaitLock();
  async put(key: string) {
    await this.lock.acquireAsync();
    try {
      if (key === '') return;
    } finally {
      this.lock.release();
    }
  }
}`,
    `const blocks = mortice();
export async function read() {
  const release = await blocks.readLock();
  try { return 1; } finally { release(); }
}`,
    `const mutex = new Mutex();
export async function scoped() {
  await using guard = await mutex.acquire();
  if (Math.random() > 0.5) return;
}`,
    `class Pool { async acquire() { return () => undefined; } }
const pool = new Pool();
export async function f() {
  const release = await pool.acquire();
  if (Math.random() > 0.5) return;
  release();
}`,
    `const mutex = new Mutex();
async function later() { return 1; }
export async function f() {
  const release = await mutex.acquire();
  release();
  await later();
}`,
    `const pool = new Semaphore(2);
export async function f() {
  const [, release] = await pool.acquire();
  try { return 1; } finally { release(); }
}`,
    `const mutex = new Mutex();
export async function f(kind: string) {
  const release = await mutex.acquire();
  switch (kind) {
    case 'a':
      release();
      return 1;
    default:
      release();
      return 2;
  }
}`,
    `export class Session {
  private mutex = new Mutex();
  private unlock?: () => void;
  async begin() {
    const release = await this.mutex.acquire();
    this.unlock = release;
  }
}`,
  ],
});
