// Baselines: --write-baseline records the current findings by rule, file and code fingerprint;
// --baseline hides those and still fails on a new one.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOUBLE_LOCK_LIB, lockscope, rustCrate, tempProject, writeFiles } from './cli-support.js';

/** A second, independent double lock, added after the baseline was written. */
const NEW_FINDING = `use std::sync::Mutex;

pub struct Counter {
    n: Mutex<u64>,
}

impl Counter {
    pub fn bump(&self) {
        let a = self.n.lock().unwrap();
        let b = self.n.lock().unwrap();
        drop((a, b));
    }
}
`;

describe('baseline round trip', () => {
  it('writes, hides known findings after unrelated edits, and still fails on a new one', async () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    const written = await lockscope(['check', '--write-baseline', 'lockscope-baseline.json'], { cwd });
    expect(written.code).toBe(0);
    expect(written.stderr).toContain('wrote 1 finding to the baseline lockscope-baseline.json');
    const file = JSON.parse(readFileSync(join(cwd, 'lockscope-baseline.json'), 'utf8')) as { version: number; findings: Record<string, unknown>[] };
    expect(file.version).toBe(1);
    expect(file.findings).toEqual([{ rule: 'double-lock', file: 'src/lib.rs', fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/), line: 11 }]);

    const known = await lockscope(['check', '--baseline', 'lockscope-baseline.json'], { cwd });
    expect(known.stdout).toBe('');
    expect(known.code).toBe(0);
    expect(known.stderr).toContain('1 known finding hidden by the baseline lockscope-baseline.json');

    // Unrelated lines above move the finding: it is still known.
    writeFiles(cwd, { 'src/lib.rs': DOUBLE_LOCK_LIB.replace('mod helpers;', 'mod helpers;\n\npub const A: u8 = 1;\npub const B: u8 = 2;') });
    const moved = await lockscope(['check', '--baseline', 'lockscope-baseline.json', '--format', 'json'], { cwd });
    expect(moved.code).toBe(0);
    expect(JSON.parse(moved.stdout).diagnostics).toEqual([]);

    writeFiles(cwd, { 'src/counter.rs': NEW_FINDING });
    const fresh = await lockscope(['check', '--baseline', 'lockscope-baseline.json', '--format', 'json'], { cwd });
    expect(fresh.code).toBe(1);
    const diagnostics = JSON.parse(fresh.stdout).diagnostics as { rule: string; file: string; line: number }[];
    expect(diagnostics.map((d) => `${d.rule} ${d.file}:${d.line}`)).toEqual(['double-lock src/counter.rs:9']);
    expect(fresh.stderr).toContain('1 known finding hidden');
  });

  it('works from another directory: paths are relative to the baseline file', async () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    await lockscope(['check', '--write-baseline', join(cwd, 'baseline.json')], { cwd });
    mkdirSync(join(cwd, 'sub'));
    expect((await lockscope(['check', '..'], { cwd: join(cwd, 'sub') })).code).toBe(1);
    const fromSub = await lockscope(['check', '..', '--baseline', '../baseline.json'], { cwd: join(cwd, 'sub') });
    expect(fromSub.code).toBe(0);
  });

  it('a missing or malformed baseline is an input error (exit 2)', async () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    const missing = await lockscope(['check', '--baseline', 'nope.json'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('baseline "nope.json" does not exist; create it with --write-baseline nope.json');
    writeFileSync(join(cwd, 'bad.json'), '{"findings": 3}');
    const bad = await lockscope(['check', '--baseline', 'bad.json'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a lockscope baseline');
  });
});
