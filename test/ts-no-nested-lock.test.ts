import rule from '../src/rules/no-nested-lock.js';
import { runRuleBothWays } from './ts-rule-tester.js';

runRuleBothWays('no-nested-lock', rule, {
  messageId: 'nestedLock',
  invalid: [
    // ES5 classes (what TypeScript emits for target ES5) and CommonJS exports.
    `function Cache(this: any) { this.mutex = new Mutex(); }
Cache.prototype.get = async function (this: any) { return this.mutex.runExclusive(async () => 1); };
Cache.prototype.refresh = async function (this: any) {
  await this.mutex.runExclusive(async () => { // <-
    await this.get();
  });
};`,
    `const lock = new AsyncLock();
async function write() { await lock.acquire('db', async () => undefined); }
exports.write = write;
exports.migrate = async function migrate() {
  await lock.acquire('db', async () => { // <-
    await exports.write();
  });
};`,
    // Keys, names and options held in constants.
    `const lock = new AsyncLock();
const KEY = 'users';
export async function f() {
  await lock.acquire(KEY, async () => { await lock.acquire('users', async () => undefined); }); // <-
}`,
    `const LOCKS = { settings: 'settings' } as const;
export async function f() {
  await navigator.locks.request('settings', async () => { // <-
    await navigator.locks.request(LOCKS.settings, async () => undefined);
  });
}`,
    `const READ = { mode: 'shared' } as const;
export async function f() {
  await navigator.locks.request('s', READ, async () => { // <-
    await navigator.locks.request('s', READ, async () => undefined);
  });
}`,
    `export async function f() {
  await navigator.locks.request('s', async () => { // <-
    await navigator.locks.request('s', { signal: AbortSignal.timeout(100) }, async () => undefined);
  });
}`,
    // issue 3, miss 1: runExclusive nested through a call
    `class Store {
  private mutex = new Mutex();
  async refresh() {
    await this.mutex.runExclusive(async () => { // <-
      await this.load();
    });
  }
  async load() {
    return this.mutex.runExclusive(async () => 1);
  }
}`,
    `const m = new Mutex();
export async function f() {
  await m.runExclusive(async () => { // <-
    await m.runExclusive(async () => undefined);
  });
}`,
    `const m = new Mutex();
export async function f() {
  const release = await m.acquire(); // <-
  try {
    await m.runExclusive(async () => undefined);
  } finally {
    release();
  }
}`,
    `const s = new Semaphore(1);
async function inner() {
  const [, release] = await s.acquire();
  release();
}
export async function f() {
  await s.runExclusive(async () => { // <-
    await inner();
  });
}`,
    `const m = withTimeout(new Mutex(), 500);
export async function f() {
  await m.runExclusive(async () => { // <-
    await m.runExclusive(async () => undefined);
  });
}`,
    `const lock = new AsyncLock();
async function c() { await lock.acquire('k', async () => undefined); }
async function b() { await c(); }
export async function a() {
  await lock.acquire('k', async () => { // <-
    await b();
  });
}`,
    `const lock = new AsyncLock();
export async function a() {
  await lock.acquire('k', async () => { // <-
    await lock.acquire(['j', 'k'], async () => undefined);
  });
}`,
    `const reset = async () => navigator.locks.request('db', async () => undefined);
export async function a() {
  await navigator.locks.request('db', async () => { // <-
    await reset();
  });
}`,
    `class Cache {
  private lock = new AwaitLock();
  async put() {
    await this.lock.acquireAsync(); // <-
    try {
      await this.evict();
    } finally {
      this.lock.release();
    }
  }
  async evict() {
    await this.lock.acquireAsync();
    this.lock.release();
  }
}`,
    `const blocks = mortice();
export async function a() {
  const release = await blocks.writeLock(); // <-
  try {
    const again = await blocks.writeLock();
    again();
  } finally {
    release();
  }
}`,
    `const lock = mutexify();
export async function a() {
  const release = await lock(); // <-
  try {
    const inner = await lock();
    inner();
  } finally {
    release();
  }
}`,
    `class Store {
  private mutex = new Mutex();
  async all() {
    await this.mutex.runExclusive(async () => { // <-
      await Promise.all([this.one(), this.two()]);
    });
  }
  async one() { await this.mutex.runExclusive(async () => 1); }
  async two() { return 2; }
}`,
    `class Store {
  private mutex = new Mutex();
  all() {
    return this.mutex.runExclusive(() => this.one()); // <-
  }
  one() { return this.mutex.runExclusive(() => 1); }
}`,
    `const m = new Mutex();
export async function f() {
  await m.runExclusive(async () => { // <-
    await m.waitForUnlock();
  });
}`,
    `class Store {
  private mutex = new Mutex();
  async all() {
    await this.mutex.runExclusive(async () => { // <-
      const pending = this.one();
      await pending;
    });
  }
  async one() { await this.mutex.runExclusive(async () => 1); }
}`,
    `const pool = new Semaphore(2);
export async function f() {
  await pool.runExclusive(async () => { // <-
    await pool.runExclusive(async () => undefined);
  });
}`,
    `const m = new Mutex();
export async function f() {
  await using guard = await m.acquire(); // <-
  await m.runExclusive(async () => undefined);
}`,
    // Instance identity: aliases of this's lock are this's lock.
    `class Cache {
  private mutex = new Mutex();
  async load() { return this.mutex.runExclusive(async () => 1); }
  async viaDestructure() {
    const { mutex } = this;
    await mutex.runExclusive(async () => { // <-
      await this.load();
    });
  }
}`,
    `class Cache {
  private mutex = new Mutex();
  async viaAlias() {
    const lock = this.mutex;
    await lock.runExclusive(async () => { // <-
      await this.mutex.runExclusive(async () => undefined);
    });
  }
}`,
    `class Cache {
  private _mutex = new Mutex();
  get mutex() { return this._mutex; }
  async load() { return this._mutex.runExclusive(async () => 1); }
  async viaGetter() {
    await this.mutex.runExclusive(async () => { // <-
      await this.load();
    });
  }
}`,
    `class Account {
  private mutex = new Mutex();
  async deposit() { await this.mutex.runExclusive(async () => undefined); }
  async depositViaSelf() {
    const self = this;
    await this.mutex.runExclusive(async () => { // <-
      await self.deposit();
    });
  }
}`,
    `class Registry {
  static mutex = new Mutex();
  static async reset() { await Registry.mutex.runExclusive(async () => undefined); }
  static async reload() {
    await this.mutex.runExclusive(async () => { // <-
      await this.reset();
    });
  }
}`,
    // domainReentrant without any node:domain: async-lock queues the inner request (a hang).
    `const lock = new AsyncLock({ domainReentrant: true });
export async function f() {
  await lock.acquire('k', async () => { await lock.acquire('k', async () => undefined); }); // <-
}`,
    `const options = { domainReentrant: true };
const lock = new AsyncLock(options);
export async function f() {
  await lock.acquire('k', async () => { await lock.acquire('k', async () => undefined); }); // <-
}`,
    // A lock with a timeout: the nest always fails with a timeout error.
    `const lock = new AsyncLock({ timeout: 1000 });
export async function f() {
  await lock.acquire('k', async () => { await lock.acquire('k', async () => undefined); }); // <-
}`,
    // A lock passed to a parameter: untyped, the argument says it is a lock.
    `type Lock = InstanceType<typeof Mutex>;
const shared = new Mutex();
async function flush(lock: Lock) { await lock.runExclusive(async () => undefined); }
export async function save() {
  await shared.runExclusive(async () => { // <-
    await flush(shared);
  });
}`,
  ],
  invalidTyped: [
    // The same other instance, through its own method.
    `class Account {
  mutex = new Mutex();
  async deposit() { await this.mutex.runExclusive(async () => undefined); }
}
export async function pay(account: Account) {
  await account.mutex.runExclusive(async () => { // <-
    await account.deposit();
  });
}`,
    `class Queue {
  mutex = new Mutex();
  async push() { await this.mutex.runExclusive(async () => undefined); }
}
export class Router {
  inbox = new Queue();
  async f() {
    await this.inbox.mutex.runExclusive(async () => { // <-
      await this.inbox.push();
    });
  }
}`,
  ],
  valid: [
    `function Cache(this: any) { this.mutex = new Mutex(); }
Cache.prototype.get = async function (this: any) { return this.mutex.runExclusive(async () => 1); };
function Journal(this: any) { this.mutex = new Mutex(); }
Journal.prototype.append = async function (this: any) { await this.mutex.runExclusive(async () => undefined); };
Journal.prototype.flush = async function (this: any, cache: any) {
  await this.mutex.runExclusive(async () => { await cache.get(); });
};`,
    `const lock = new AsyncLock();
let key = 'users';
export function rename(next: string) { key = next; }
export async function f() {
  await lock.acquire(key, async () => { await lock.acquire('users', async () => undefined); });
}`,
    `const LOCKS = { settings: 'settings', cache: 'cache' } as const;
export async function f() {
  await navigator.locks.request(LOCKS.cache, async () => {
    await navigator.locks.request(LOCKS.settings, async () => undefined);
  });
}`,
    // Another instance of the same class holds another lock.
    `class Account {
  private mutex = new Mutex();
  async deposit() { await this.mutex.runExclusive(async () => undefined); }
  async transferTo(other: Account) {
    await this.mutex.runExclusive(async () => {
      await other.deposit();
    });
  }
}`,
    `class Queue {
  mutex = new Mutex();
  async push() { await this.mutex.runExclusive(async () => undefined); }
}
export class Router {
  inbox = new Queue();
  outbox = new Queue();
  async f() {
    await this.inbox.mutex.runExclusive(async () => {
      await this.outbox.push();
    });
  }
}`,
    `class Queue {
  mutex = new Mutex();
  async push() { await this.mutex.runExclusive(async () => undefined); }
}
const audit = new Queue();
export async function f() {
  const batch = new Queue();
  await batch.mutex.runExclusive(async () => {
    await audit.push();
  });
}`,
    `class Store {
  private mutex = new Mutex();
  async refresh() { await this.mutex.runExclusive(async () => { await this.loadUnlocked(); }); }
  async load() { return this.mutex.runExclusive(() => this.loadUnlocked()); }
  async loadUnlocked() { return 1; }
}`,
    `class Store {
  private mutex = new Mutex();
  async refresh() { await this.mutex.runExclusive(async () => { void this.load(); }); }
  async load() { return this.mutex.runExclusive(async () => 1); }
}`,
    `class Store {
  private a = new Mutex();
  private b = new Mutex();
  async f() { await this.a.runExclusive(async () => { await this.b.runExclusive(async () => 1); }); }
}`,
    `class A {
  m = new Mutex();
  async f() { await this.m.runExclusive(async () => { await new B().g(); }); }
}
class B {
  m = new Mutex();
  async g() { await this.m.runExclusive(async () => 1); }
}`,
    `const m = new Mutex();
export async function f() {
  const release = await m.acquire();
  release();
  await m.runExclusive(async () => undefined);
}`,
    `const m = new Mutex();
const attempt = tryAcquire(m);
export async function f() {
  await m.runExclusive(async () => { await attempt.runExclusive(async () => undefined); });
}`,
    `export async function f() {
  await navigator.locks.request('db', async () => {
    await navigator.locks.request('db', { ifAvailable: true }, async () => undefined);
  });
}`,
    `export async function f() {
  await navigator.locks.request('db', async () => {
    await navigator.locks.request('db', { steal: true }, async () => undefined);
  });
}`,
    // domainReentrant re-enters inside a node:domain, which this file creates.
    `import domain from 'node:domain';
const lock = new AsyncLock({ domainReentrant: true });
export function f() {
  domain.create().run(() => lock.acquire('k', async () => { await lock.acquire('k', async () => undefined); }));
}`,
    `const domain = require('domain');
const options = { domainReentrant: true };
const lock = new AsyncLock(options);
export function f() {
  domain.create().run(() => lock.acquire('k', async () => { await lock.acquire('k', async () => undefined); }));
}`,
    `const lock = new AsyncLock();
export async function f(id: string) {
  await lock.acquire('k', async () => { await lock.acquire(id, async () => undefined); });
}`,
    `class Queue { async runExclusive<T>(cb: () => Promise<T>) { return cb(); } }
const q = new Queue();
export async function f() {
  await q.runExclusive(async () => { await q.runExclusive(async () => undefined); });
}`,
    `const m = new Mutex();
export async function f() {
  await m.runExclusive(async () => {
    setTimeout(() => { void m.runExclusive(async () => undefined); }, 10);
  });
}`,
    `const m = new Mutex();
export async function f(items: string[]) {
  await m.runExclusive(async () => {
    items.forEach(async () => { await m.runExclusive(async () => undefined); });
  });
}`,
    `const m = new Mutex();
export async function f() {
  await m.runExclusive(async () => undefined);
  await m.runExclusive(async () => undefined);
}`,
    `export async function f() {
  await navigator.locks.request('a', async () => {
    await navigator.locks.request('b', async () => undefined);
  });
}`,
    `const m = new Mutex();
export async function f() {
  await m.runExclusive(async () => {
    const later = async () => m.runExclusive(async () => undefined);
    return later;
  });
}`,
    `const m = new Mutex();
export async function f() {
  {
    await using guard = await m.acquire();
  }
  await m.runExclusive(async () => undefined);
}`,
  ],
});
