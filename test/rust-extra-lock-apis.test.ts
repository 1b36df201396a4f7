// In-house lock and guard types from the configuration are locks to the Rust analysis.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../src/core/discover.js';
import { analyzeRust } from '../src/rust/analyze.js';

function crate(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockscope-extra-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'Cargo.toml'), '[package]\nname = "store"\nversion = "0.1.0"\nedition = "2021"\n');
  writeFileSync(join(dir, 'src/lib.rs'), source);
  return dir;
}

const SOURCE = `
// An in-house lock whose guard comes from FFI: nothing in the body shows a lock.
pub struct TrackedMutex<T>(*mut T);
pub struct TrackedGuard;
pub struct Guard;
impl<T> TrackedMutex<T> {
    pub fn lock(&self) -> TrackedGuard { TrackedGuard }
}

pub struct Store {
    pub items: TrackedMutex<Vec<u32>>,
}

impl Store {
    /// Opaque to the analysis: the guard comes from FFI.
    pub fn locked(&self) -> Guard { Guard }

    pub fn relock_tracked(&self) -> usize {
        let items = self.items.lock(); // the tracked guard
        let again = self.items.lock();
        let _ = (items, again);
        0
    }

    pub fn relock_wrapper(&self) {
        let _g = self.locked(); // the wrapper guard
        let _h = self.locked();
    }

    pub fn sequential_wrapper(&self) {
        drop(self.locked());
        let _h = self.locked();
    }
}
`;

const lineOf = (marker: string): number => SOURCE.split('\n').findIndex((line) => line.includes(marker)) + 1;

const findings = (dir: string, extra?: Parameters<typeof analyzeRust>[1]['extraLockApis']): string[] =>
  analyzeRust(discoverFiles([dir], dir).rust, { cwd: dir, rules: {}, extraLockApis: extra }).diagnostics.map((d) => `${d.rule}@${d.span.line}`);

describe('extraLockApis', () => {
  it('finds nothing in wrappers it cannot see through without configuration', () => {
    expect(findings(crate(SOURCE))).toEqual([]);
  });

  it('treats configured lock types and guard types as locks', () => {
    const dir = crate(SOURCE);
    expect(findings(dir, { lockTypes: { TrackedMutex: 'Mutex' }, guardTypes: { Guard: 'exclusive' } })).toEqual([
      `double-lock@${lineOf('// the tracked guard')}`,
      `double-lock@${lineOf('// the wrapper guard')}`,
    ]);
  });

  it('a shared configured guard only warns on a second shared acquisition of a fair lock, never errs', () => {
    const dir = crate(SOURCE);
    const result = analyzeRust(discoverFiles([dir], dir).rust, {
      cwd: dir,
      rules: {},
      extraLockApis: { lockTypes: {}, guardTypes: { Guard: 'shared' } },
    });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
