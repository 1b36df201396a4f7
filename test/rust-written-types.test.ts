// What a type, as written, says: the element a container or a borrowed slice hands out, whether a
// value only borrows what it reaches, what a value owns only through an `Arc`, and what a generic
// type alias means with its arguments. Expectations from Rust's rules, not from output.
import { describe, expect, it } from 'vitest';
import { elementType, isReference, ownedTypeNames, sharedOwnedTypeNames } from '../src/rust/guard-lifetimes/drop-types.js';
import { argumentsOfHead, substituteTypeParameters } from '../src/rust/types.js';

describe('elementType', () => {
  it('reads containers, slices and arrays, through references', () => {
    expect(elementType('Vec<Buffer>')).toBe('Buffer');
    expect(elementType('HashMap<u64, Arc<Session>>')).toBe('Arc<Session>');
    expect(elementType('&[Buffer]')).toBe('Buffer');
    expect(elementType("&'a mut Vec<Staging>")).toBe('Staging');
    expect(elementType('[Timer; 64]')).toBe('Timer');
    expect(elementType('&&[u8]')).toBe('u8');
  });

  it('knows no element for a plain struct or a reference to one', () => {
    expect(elementType('Buffer')).toBeUndefined();
    expect(elementType('&Device')).toBeUndefined();
  });
});

describe('isReference', () => {
  it('tells a borrow from an owned container', () => {
    expect(isReference('&[Buffer]')).toBe(true);
    expect(isReference("&'a mut Vec<Buffer>")).toBe(true);
    expect(isReference('Vec<Buffer>')).toBe(false);
    expect(isReference('Arc<Vec<Buffer>>')).toBe(false);
  });
});

describe('sharedOwnedTypeNames', () => {
  it('names what a value holds through an Arc or Rc, which drops with the last reference', () => {
    expect(sharedOwnedTypeNames('Arc<Session>')).toEqual(['Session']);
    expect(sharedOwnedTypeNames('Option<Rc<Node>>')).toEqual(['Node']);
    expect(sharedOwnedTypeNames('Vec<Arc<Mutex<Conn>>>')).toEqual(['Mutex', 'Conn']);
  });

  it('never names what a Weak or a reference points to, nor what the value owns itself', () => {
    expect(sharedOwnedTypeNames('Weak<Session>')).toEqual([]);
    expect(sharedOwnedTypeNames('&Arc<Session>')).toEqual([]);
    expect(sharedOwnedTypeNames('Option<Weak<Session>>')).toEqual([]);
    expect(sharedOwnedTypeNames('Ticket')).toEqual([]);
    // What it owns directly is `ownedTypeNames`' question; behind the Arc, it is not owned.
    expect(ownedTypeNames('Arc<Session>')).toEqual([]);
  });
});

describe('generic type aliases', () => {
  it('reads the arguments the alias is written with, through transparent wrappers', () => {
    expect(argumentsOfHead('Shared<AppState>', 'Shared')).toEqual(['AppState']);
    expect(argumentsOfHead('&Shared<AppState>', 'Shared')).toEqual(['AppState']);
    expect(argumentsOfHead('Shared', 'Shared')).toEqual([]);
  });

  it('replaces whole parameter names only', () => {
    expect(substituteTypeParameters('std::sync::Arc<T>', ['T'], ['AppState'])).toBe('std::sync::Arc<AppState>');
    expect(substituteTypeParameters('HashMap<K, Arc<Mutex<V>>>', ['K', 'V'], ['u64', 'Conn'])).toBe('HashMap<u64, Arc<Mutex<Conn>>>');
    expect(substituteTypeParameters('Arc<Tree<T>>', ['T'], ['Node'])).toBe('Arc<Tree<Node>>');
    // An argument left out (a default) keeps the parameter as written.
    expect(substituteTypeParameters('Arc<T>', ['T'], [])).toBe('Arc<T>');
  });
});
