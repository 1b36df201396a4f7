import rule from '../src/rules/no-lock-upgrade.js';
import { runRuleBothWays } from './ts-rule-tester.js';

runRuleBothWays('no-lock-upgrade', rule, {
  messageId: 'lockUpgrade',
  invalid: [
    `const READ = { mode: 'shared' } as const;
export async function f() {
  await navigator.locks.request('s', READ, async () => { // <-
    await navigator.locks.request('s', async () => undefined);
  });
}`,
    `export async function f() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => { // <-
    await navigator.locks.request('db', async () => undefined);
  });
}`,
    // issue 3, miss 3: the exclusive request is a call below
    `async function reset() { await navigator.locks.request('settings', async () => undefined); }
export async function read() {
  return navigator.locks.request('settings', { mode: 'shared' }, async () => { // <-
    await reset();
  });
}`,
    `const blocks = mortice();
async function put() {
  const release = await blocks.writeLock();
  try { return 1; } finally { release(); }
}
export async function get() {
  const release = await blocks.readLock(); // <-
  try {
    return await put();
  } finally {
    release();
  }
}`,
    `const blocks = mortice();
export async function get() {
  const release = await blocks.readLock(); // <-
  try {
    const write = await blocks.writeLock();
    write();
  } finally {
    release();
  }
}`,
    `async function c() { await navigator.locks.request('db', async () => undefined); }
async function b() { await c(); }
export async function a() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => { // <-
    await b();
  });
}`,
    `async function write() { await navigator.locks.request('db', async () => undefined); }
export async function a() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => { // <-
    await Promise.all([write(), write()]);
  });
}`,
    `class Blockstore {
  private lock = mortice();
  async has() {
    const release = await this.lock.readLock(); // <-
    try { await this.put(); } finally { release(); }
  }
  async put() {
    const release = await this.lock.writeLock();
    release();
  }
}`,
    `export async function a() {
  await navigator.locks.request(\`db\`, { mode: 'shared' }, async () => { // <-
    await navigator.locks.request(\`db\`, async () => undefined);
  });
}`,
    `const blocks = mortice();
const put = () => blocks.writeLock();
export async function get() {
  const release = await blocks.readLock(); // <-
  try {
    const write = await put();
    write();
  } finally {
    release();
  }
}`,
    `export async function a() {
  await window.navigator.locks.request('db', { mode: 'shared' }, async () => { // <-
    await window.navigator.locks.request('db', { mode: 'exclusive' }, async () => undefined);
  });
}`,
    `const blocks = mortice();
async function put() { const r = await blocks.writeLock(); r(); }
export async function get() {
  const release = await blocks.readLock(); // <-
  try {
    const pending = put();
    await pending;
  } finally {
    release();
  }
}`,
    `class Settings {
  async read() {
    await navigator.locks.request('settings', { mode: 'shared' }, async () => { // <-
      await this.reset();
    });
  }
  async reset() { await navigator.locks.request('settings', async () => undefined); }
}`,
    `async function other() { return 1; }
export async function a() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => { // <-
    await other().then(() => navigator.locks.request('db', async () => undefined));
  });
}`,
    `const mortice_1 = require('mortice');
const blocks = mortice_1.default();
async function get() {
  const release = await blocks.readLock(); // <-
  try { const w = await blocks.writeLock(); w(); } finally { release(); }
}`,
    `export async function a() {
  await navigator.locks.request('db', { mode: 'shared' }, () => // <-
    navigator.locks.request('db', async () => undefined));
}`,
  ],
  valid: [
    `const READ = { mode: 'shared' } as const;
export async function f() {
  await navigator.locks.request('s', READ, async () => {
    await navigator.locks.request('s', READ, async () => undefined);
  });
}`,
    `export async function f() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => {
    await navigator.locks.request('db', { mode: 'shared' }, async () => undefined);
  });
}`,
    `export async function f() {
  await navigator.locks.request('db', async () => {
    await navigator.locks.request('db', async () => undefined);
  });
}`,
    `export async function f() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => undefined);
  await navigator.locks.request('db', async () => undefined);
}`,
    `export async function f() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => {
    await navigator.locks.request('db', { ifAvailable: true }, async () => undefined);
  });
}`,
    `export async function f() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => {
    await navigator.locks.request('db', { steal: true }, async () => undefined);
  });
}`,
    `export async function f() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => {
    await navigator.locks.request('other', async () => undefined);
  });
}`,
    `const blocks = mortice();
export async function get() {
  const release = await blocks.readLock();
  release();
  const write = await blocks.writeLock();
  write();
}`,
    `const blocks = mortice();
export async function get() {
  const write = await blocks.writeLock();
  try {
    const read = await blocks.readLock();
    read();
  } finally {
    write();
  }
}`,
    `export async function f() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => {
    void navigator.locks.request('db', async () => undefined);
  });
}`,
    `export async function f(name: string) {
  await navigator.locks.request('db', { mode: 'shared' }, async () => {
    await navigator.locks.request(name, async () => undefined);
  });
}`,
    `class Locks { async request(_name: string, ..._rest: unknown[]) { return 1; } }
export class Store {
  private locks = new Locks();
  async f() {
    await this.locks.request('db', { mode: 'shared' }, async () => {
      await this.locks.request('db', async () => undefined);
    });
  }
}`,
    `export async function f() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => {
    setTimeout(() => { void navigator.locks.request('db', async () => undefined); }, 0);
  });
}`,
    `const a = mortice();
const b = mortice();
export async function get() {
  const read = await a.readLock();
  try {
    const write = await b.writeLock();
    write();
  } finally {
    read();
  }
}`,
    `export async function f() {
  await navigator.locks.request('db', { mode: 'shared' }, async () => {
    const later = () => navigator.locks.request('db', async () => undefined);
    return later;
  });
}`,
    `const m = new Mutex();
export async function f() {
  await m.runExclusive(async () => {
    await m.runExclusive(async () => undefined);
  });
}`,
  ],
});
