import rule from '../src/rules/no-lock-order-inversion.js';
import { runRuleBothWays } from './ts-rule-tester.js';

runRuleBothWays('no-lock-order-inversion', rule, {
  messageId: 'orderInversion',
  invalid: [
    `class Accounts {
  private ledger = new Mutex();
  private audit = new Mutex();
  async a() { await this.ledger.runExclusive(async () => { await this.audit.runExclusive(async () => 1); }); } // <-
  async b() { await this.audit.runExclusive(async () => { await this.ledger.runExclusive(async () => 1); }); } // <-
}`,
    `class Accounts {
  private ledger = new Mutex();
  private audit = new Mutex();
  async a() { await this.ledger.runExclusive(async () => { await this.writeAudit(); }); } // <-
  async b() { await this.audit.runExclusive(async () => { await this.ledger.runExclusive(async () => 1); }); } // <-
  async writeAudit() { await this.audit.runExclusive(async () => 1); }
}`,
    `const a = new Mutex();
const b = new Mutex();
export const one = () => a.runExclusive(() => b.runExclusive(() => 1)); // <-
export const two = () => b.runExclusive(() => a.runExclusive(() => 1)); // <-`,
    `const lock = new AsyncLock();
export async function one() { await lock.acquire('a', async () => { await lock.acquire('b', async () => 1); }); } // <-
export async function two() { await lock.acquire('b', async () => { await lock.acquire('a', async () => 1); }); } // <-`,
    `export async function one() { await navigator.locks.request('a', async () => { await navigator.locks.request('b', async () => 1); }); } // <-
export async function two() { await navigator.locks.request('b', async () => { await navigator.locks.request('a', async () => 1); }); } // <-`,
    `const m = new Mutex();
export async function one() { await navigator.locks.request('a', async () => { await m.runExclusive(async () => 1); }); } // <-
export async function two() { await m.runExclusive(async () => { await navigator.locks.request('a', async () => 1); }); } // <-`,
    `const a = new Mutex();
const b = new Mutex();
export async function one() {
  const release = await a.acquire(); // <-
  try { await b.runExclusive(async () => 1); } finally { release(); }
}
export async function two() {
  const release = await b.acquire(); // <-
  try { await a.runExclusive(async () => 1); } finally { release(); }
}`,
    `const a = new AwaitLock();
const b = new AwaitLock();
export async function one() {
  await a.acquireAsync(); // <-
  try { await b.acquireAsync(); b.release(); } finally { a.release(); }
}
export async function two() {
  await b.acquireAsync(); // <-
  try { await a.acquireAsync(); a.release(); } finally { b.release(); }
}`,
    `const a = mortice();
const b = mortice();
export async function one() {
  const ra = await a.writeLock(); // <-
  try { const rb = await b.writeLock(); rb(); } finally { ra(); }
}
export async function two() {
  const rb = await b.writeLock(); // <-
  try { const ra = await a.writeLock(); ra(); } finally { rb(); }
}`,
    `const a = mutexify();
const b = mutexify();
export async function one() {
  const ra = await a(); // <-
  try { const rb = await b(); rb(); } finally { ra(); }
}
export async function two() {
  const rb = await b(); // <-
  try { const ra = await a(); ra(); } finally { rb(); }
}`,
    `const a = new Mutex();
const b = new Mutex();
async function deep() { await b.runExclusive(async () => 1); }
async function middle() { await deep(); }
export async function one() { await a.runExclusive(async () => { await middle(); }); } // <-
export async function two() { await b.runExclusive(async () => { await a.runExclusive(async () => 1); }); } // <-`,
    `const a = new Mutex();
const b = new Mutex();
async function takeB() { await b.runExclusive(async () => 1); }
export async function one() { await a.runExclusive(async () => { await Promise.all([takeB()]); }); } // <-
export async function two() { await b.runExclusive(async () => { await a.runExclusive(async () => 1); }); } // <-`,
    `const async_mutex_1 = require('async-mutex');
class Store {
  constructor() { this.a = new async_mutex_1.Mutex(); this.b = new async_mutex_1.Mutex(); }
  one() { return this.a.runExclusive(() => this.b.runExclusive(() => 1)); } // <-
  two() { return this.b.runExclusive(() => this.a.runExclusive(() => 1)); } // <-
}`,
    `const a = new Mutex();
const b = new Mutex();
export async function one() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); } // <-
export async function two() {
  const release = await b.acquire(); // <-
  try { await a.runExclusive(async () => 1); } finally { release(); }
}`,
    `const a = withTimeout(new Mutex(), 100);
const b = withTimeout(new Mutex(), 100);
export async function one() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); } // <-
export async function two() { await b.runExclusive(async () => { await a.runExclusive(async () => 1); }); } // <-`,
  ],
  invalidTyped: [
    // This instance's lock held while a peer's is taken: swapped instances deadlock.
    `class Account {
  private mutex = new Mutex();
  async deposit() { await this.mutex.runExclusive(async () => undefined); }
  async transferTo(other: Account) {
    await this.mutex.runExclusive(async () => { // <-
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
  async forward() {
    await this.inbox.mutex.runExclusive(async () => { await this.outbox.push(); }); // <-
  }
  async backward() {
    await this.outbox.mutex.runExclusive(async () => { await this.inbox.push(); }); // <-
  }
}`,
  ],
  valid: [
    // Two instances in an order the code chose (by id).
    `class Account {
  mutex = new Mutex();
  constructor(readonly id: number) {}
  async transferTo(other: Account) {
    const [first, second] = this.id < other.id ? [this, other] : [other, this];
    await first.mutex.runExclusive(async () => {
      await second.mutex.runExclusive(async () => undefined);
    });
  }
}`,
    `class Account {
  mutex = new Mutex();
  constructor(readonly id: number) {}
  async transferTo(other: Account) {
    if (this.id < other.id) {
      await this.mutex.runExclusive(async () => { await other.mutex.runExclusive(async () => undefined); });
    } else {
      await other.mutex.runExclusive(async () => { await this.mutex.runExclusive(async () => undefined); });
    }
  }
}`,
    // Two fields of one class, always in the same order.
    `class Queue {
  mutex = new Mutex();
  async push() { await this.mutex.runExclusive(async () => undefined); }
}
export class Router {
  inbox = new Queue();
  outbox = new Queue();
  async forward() {
    await this.inbox.mutex.runExclusive(async () => { await this.outbox.push(); });
  }
}`,
    `const a = new Mutex();
const b = new Mutex();
export async function one() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); }
export async function two() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); }`,
    `const a = new Mutex();
const b = new Mutex();
export async function one() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); }`,
    `const a = new Mutex();
const b = new Mutex();
const tryA = tryAcquire(a);
export async function one() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); }
export async function two() { await b.runExclusive(async () => { await tryA.runExclusive(async () => 1); }); }`,
    `export async function one() { await navigator.locks.request('a', async () => { await navigator.locks.request('b', async () => 1); }); }
export async function two() { await navigator.locks.request('b', async () => { await navigator.locks.request('a', { ifAvailable: true }, async () => 1); }); }`,
    `const a = new Mutex();
const b = new Mutex();
export async function one() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); }
export async function two() { await b.runExclusive(async () => { void a.runExclusive(async () => 1); }); }`,
    `const lock = new AsyncLock();
export async function one() { await lock.acquire('a', async () => { await lock.acquire('b', async () => 1); }); }
export async function two() { await lock.acquire('b', async () => { await lock.acquire('c', async () => 1); }); }`,
    `const a = new Mutex();
const b = new Mutex();
export async function one() { await a.runExclusive(async () => 1); await b.runExclusive(async () => 1); }
export async function two() { await b.runExclusive(async () => 1); await a.runExclusive(async () => 1); }`,
    `const lock = new AsyncLock();
export async function one(x: string, y: string) { await lock.acquire(x, async () => { await lock.acquire(y, async () => 1); }); }
export async function two(x: string, y: string) { await lock.acquire(y, async () => { await lock.acquire(x, async () => 1); }); }`,
    `class Fake { async runExclusive<T>(cb: () => Promise<T>) { return cb(); } }
const a = new Fake();
const b = new Fake();
export async function one() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); }
export async function two() { await b.runExclusive(async () => { await a.runExclusive(async () => 1); }); }`,
    `class One {
  private a = new Mutex();
  private b = new Mutex();
  async f() { await this.a.runExclusive(async () => { await this.b.runExclusive(async () => 1); }); }
}
class Two {
  private a = new Mutex();
  private b = new Mutex();
  async f() { await this.b.runExclusive(async () => { await this.a.runExclusive(async () => 1); }); }
}`,
    `const a = new Mutex();
const b = new Mutex();
export async function one() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); }
export async function two() { await b.runExclusive(async () => { setTimeout(() => void a.runExclusive(async () => 1), 0); }); }`,
    `const a = new Mutex();
const b = new Mutex();
export async function one() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); }
export async function two() {
  const release = await b.acquire();
  release();
  await a.runExclusive(async () => 1);
}`,
    `const a = new Mutex();
const b = new Mutex();
async function takeB() { await b.runExclusive(async () => 1); }
export async function one() { await a.runExclusive(async () => { await takeB(); }); }
export async function two() { await a.runExclusive(async () => { await b.runExclusive(async () => 1); }); }`,
    `const a = new Mutex();
export async function one() { await a.runExclusive(async () => { await a.runExclusive(async () => 1); }); }`,
    `export async function one() { await navigator.locks.request('a', async () => { await navigator.locks.request('b', async () => 1); }); }
export async function two() { await navigator.locks.request('b', async () => { await navigator.locks.request('a', { steal: true }, async () => 1); }); }`,
  ],
});
