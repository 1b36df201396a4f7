// Findings, notes and functions are appended in lists that can be long on generated code.
import { describe, expect, it } from 'vitest';
import { appendAll } from '../src/core/append.js';

describe('appendAll', () => {
  it('appends more items than a spread call can pass as arguments', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => i);
    expect(() => [].push(...(many as never[]))).toThrow(RangeError);
    const target = [-1];
    appendAll(target, many);
    expect(target.length).toBe(300_001);
    expect(target[0]).toBe(-1);
    expect(target[300_000]).toBe(299_999);
  });
});
