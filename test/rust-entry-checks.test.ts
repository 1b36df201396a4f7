// The condition logic behind "checks the caller has decided" (src/rust/entry-checks.ts): what a
// caller's assertion teaches, and which callee conditions it decides. The cases that run are in
// fixtures/rust/double_lock_entry_checks_decided.rs; these pin the text handling that a fixture
// would only reach by accident (operand order, `!=`, strings holding operators, `&&`/`||`).
import { describe, expect, it } from 'vitest';
import { evaluate, learn, type Knowledge } from '../src/rust/entry-checks.js';

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

  it('does not decide a comparison with another value or another object', () => {
    const known = knowing(['*state.status.borrow() == Status::Starting', true]);
    expect(evaluate('*state.status.borrow() == Status::Ready', known)).toBeUndefined();
    expect(evaluate('*other.status.borrow() == Status::Starting', known)).toBeUndefined();
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
});
