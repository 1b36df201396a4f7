// `use` declarations belong to the module they are written in: two inline modules of one file
// importing `Mutex` from different crates each mean their own (issue 17 item 7: parking_lot
// guards were described as std's because the last `use` of the file won), and `use super::*`
// brings in the parent module's imports.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeRust } from '../src/rust/analyze.js';

const source = `
use parking_lot::Mutex;

mod with_std {
    use std::sync::Mutex;
    pub async fn held(x: &Mutex<u32>) {
        let g = x.lock().unwrap();
        super::tick().await;
    }
}

mod with_parking_lot {
    use parking_lot::Mutex;
    pub async fn held(x: &Mutex<u32>) {
        let g = x.lock();
        super::tick().await;
    }
}

mod tests {
    use super::*;
    pub async fn held(x: &Mutex<u32>) {
        let g = x.lock();
        super::tick().await;
    }
}

async fn tick() {}
`;

describe('imports are scoped to their module', () => {
  it('describes each guard by the crate its own module imports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockscope-modules-'));
    try {
      const file = join(dir, 'lib.rs');
      writeFileSync(file, source);
      const held = analyzeRust([file], { cwd: dir, rules: {} })
        .diagnostics.filter((d) => d.rule === 'guard-across-await')
        .map((d) => `${d.span.line} ${/holding a (\S+)/.exec(d.message)?.[1]}`);
      expect(held).toEqual(['7 std::Mutex', '15 parking_lot::Mutex', '23 parking_lot::Mutex']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
