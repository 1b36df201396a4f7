// The condition logic behind "checks the caller has decided" (src/rust/entry-checks.ts): what a
// caller's assertion teaches, and which callee conditions it decides. The cases that run are in
// fixtures/rust/double_lock_entry_checks_decided.rs; these pin the text handling that a fixture
// would only reach by accident (operand order, `!=`, strings holding operators, `&&`/`||`).
import { describe, expect, it } from 'vitest';
import { evaluate, knowledgeKey, learn, staticFacts, type Knowledge } from '../src/rust/entry-checks.js';
import { namesOf } from '../src/rust/state-writes.js';

function knowing(...facts: [string, boolean][]): Knowledge {
  const known: Knowledge = new Map();
  for (const [condition, holds] of facts) learn(condition, holds, known);
  return known;
}

describe('entry checks: conditions a caller has decided', () => {
  it('reads an equality in either operand order and through its negation', () => {
    const known = knowing(['*state.status.borrow() == Status::Starting', true]);
    expect(evaluate('Status::Starting == *state.status.borrow()', known)).toBe(true);
    expect(evaluate('*state.status.borrow() != Status::Starting', known)).toBe(false);
    expect(evaluate('!(*state.status.borrow() == Status::Starting)', known)).toBe(false);
  });

  it('decides a comparison with another variant of the same enum, not with another object or a constant of unknown value', () => {
    const known = knowing(['*state.status.borrow() == Status::Starting', true]);
    expect(evaluate('*state.status.borrow() == Status::Ready', known)).toBe(false);
    expect(evaluate('*state.status.borrow() != Status::Ready', known)).toBe(true);
    expect(evaluate('*state.status.borrow() == Other::Ready', known)).toBeUndefined();
    expect(evaluate('*other.status.borrow() == Status::Starting', known)).toBeUndefined();
    expect(evaluate('*state.limit.borrow() == MAX', knowing(['*state.limit.borrow() == LATEST', true]))).toBeUndefined();
    expect(evaluate('*state.limit.borrow() == Limits::MAX', knowing(['*state.limit.borrow() == Limits::DEFAULT', true]))).toBeUndefined();
    expect(evaluate('*state.limit.borrow() == 3', knowing(['*state.limit.borrow() == 2', true]))).toBe(false);
    expect(evaluate('*state.status.borrow() == Status::Ready', knowing(['*state.status.borrow() == Status::Starting', false]))).toBeUndefined();
  });

  it('reads a place the same through a cell, a lock, a watch channel and a parenthesised receiver', () => {
    const known = knowing(['self.phase.get() == Phase::Draining', true]);
    expect(evaluate('*self.phase.borrow() == Phase::Draining', known)).toBe(true);
    expect(evaluate('*self.phase.lock().unwrap() == Phase::Draining', known)).toBe(true);
    expect(evaluate('*(self.phase.lock()) == Phase::Draining', known)).toBe(true);
    expect(evaluate('*self.phase.read().await == Phase::Draining', known)).toBe(true);
    expect(evaluate('*self.other.borrow() == Phase::Draining', known)).toBeUndefined();
  });

  it('reads `matches!` of constants as equalities, and leaves one with bindings or guards alone', () => {
    const known = knowing(['*self.phase.borrow() == Phase::Closed', true]);
    expect(evaluate('matches!(*self.phase.borrow(), Phase::Draining | Phase::Closed)', known)).toBe(true);
    expect(evaluate('!matches!(*self.phase.borrow(), Phase::Open)', known)).toBe(true);
    expect(evaluate('matches!(*self.phase.borrow(), Phase::Open | Phase::Draining)', known)).toBe(false);
    expect(evaluate('matches!(*self.phase.borrow(), Phase::Failed(_))', known)).toBeUndefined();
    expect(evaluate('matches!(*self.phase.borrow(), p if p.is_open())', known)).toBeUndefined();
  });

  it('learns both sides of a true `&&` and of a false `||`, neither of a true `||`', () => {
    expect(evaluate('b', knowing(['a && b', true]))).toBe(true);
    expect(evaluate('a', knowing(['a || b', false]))).toBe(false);
    expect(evaluate('a', knowing(['a || b', true]))).toBeUndefined();
    expect(evaluate('a', knowing(['a && b', false]))).toBeUndefined();
  });

  it('evaluates `&&` and `||` three-valued', () => {
    const known = knowing(['closed', true]);
    expect(evaluate('draining || closed', known)).toBe(true);
    expect(evaluate('draining && closed', known)).toBeUndefined();
    expect(evaluate('!closed && draining', known)).toBe(false);
  });

  it('keeps operators inside strings, calls and brackets in their operand', () => {
    const known = knowing(['name == "a==b"', true]);
    expect(evaluate('name == "a==b"', known)).toBe(true);
    expect(evaluate('f(a == b)', knowing(['f(a == b)', true]))).toBe(true);
    expect(evaluate('a', knowing(['f(a == b)', true]))).toBeUndefined();
  });

  it('does not split `<=`, `>=` or `!=` at an `==`', () => {
    const known = knowing(['x <= y', true]);
    expect(known.has('x<=y')).toBe(true);
    expect(evaluate('x == y', known)).toBeUndefined();
  });

  it('names what may change a fact: its locals, its fields and statics; nothing for a fact read through another call or a reference', () => {
    expect(namesOf('self.state.get()==State::Open')).toEqual({ locals: [], places: ['state'] });
    expect(namesOf('HELD.get()')).toEqual({ locals: [], places: ['HELD'] });
    expect(namesOf('n==0')).toEqual({ locals: ['n'], places: [] });
    expect(namesOf('self.is_closed()')).toBeUndefined();
    expect(namesOf('st.get()==State::Open')).toBeUndefined();
    expect(namesOf('*st==State::Open')).toBeUndefined();
    expect(namesOf('*self==State::Open')).toBeUndefined();
  });

  it('reads a thread-local through its accessor as the same place', () => {
    const known = knowing(['IN_HANDLER.with(|f| f.get())', true]);
    expect(evaluate('IN_HANDLER.get()', known)).toBe(true);
    expect(evaluate('IN_HANDLER.with(|flag| *flag.borrow())', known)).toBe(true);
    expect(evaluate('IN_HANDLER.with(Cell::get)', known)).toBe(true);
    expect(evaluate('IN_HANDLER.with(|f| f.get() && other())', known)).toBeUndefined();
    expect(evaluate('IN_CALLBACK.with(|f| f.get())', known)).toBeUndefined();
  });

  it('passes to callees only facts about statics, not atomics, fields or locals', () => {
    const known = knowing(['IN_HANDLER.get()', true], ['self.closed.get()', true], ['n == 0', true], ['DEPTH.get() == 2', true], ['ENABLED.load(Ordering::SeqCst)', true]);
    expect([...staticFacts(known)]).toEqual([['IN_HANDLER.get()', true], ['2==DEPTH.get()', true]]);
  });

  it('keys knowledge the same whatever order its facts were learnt in', () => {
    expect(knowledgeKey(knowing(['A.get()', true], ['B.get()', false]))).toBe(knowledgeKey(knowing(['B.get()', false], ['A.get()', true])));
    expect(knowledgeKey(knowing(['A.get()', true]))).not.toBe(knowledgeKey(knowing(['A.get()', false])));
  });
});
