// Every Rust fixture's marks (test/support/expectations.ts) against what the analysis reports, both
// ways and with severity: each `expect:`/`fp:` must be reported on its line as the error or warning
// it says, nothing else may be reported, and each `miss:` must stay unreported.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../src/core/discover.js';
import { analyzeRust } from '../src/rust/analyze.js';
import { compareMarks, readExpectations, readMarks } from './support/expectations.js';

const root = join(import.meta.dirname, '..');
const fixturesDir = join(root, 'fixtures/rust');
// The default settings, as a user gets them; scrutinee-guard is pedantic and off by default, so no
// fixture marks it (test/eslint-rust.test.ts turns it on for scrutinee_guard_no_conflict.rs).
const defaultRules = {} as const;

/** A fixture is a `.rs` file or a directory holding Rust sources (a crate); `__snapshots__` is neither. */
const cases = readdirSync(fixturesDir)
  .filter((name) => {
    const full = join(fixturesDir, name);
    if (name.endsWith('.rs')) return true;
    return statSync(full).isDirectory() && discoverFiles([full], root).rust.length > 0;
  })
  .sort();

describe('Rust fixtures', () => {
  it('has at least 40 annotated cases', () => {
    const annotations = cases.flatMap((name) => {
      const found = discoverFiles([join(fixturesDir, name)], root);
      return found.rust.flatMap((file) => readExpectations(file));
    });
    expect(annotations.length).toBeGreaterThanOrEqual(40);
  });

  it('scores only fixtures: the snapshot directory is not one', () => {
    expect(cases).not.toContain('__snapshots__');
    expect(cases).toContain('seed_proxy');
  });

  for (const name of cases) {
    it(name, () => {
      const found = discoverFiles([join(fixturesDir, name)], root);
      const result = analyzeRust(found.rust, { cwd: root, rules: defaultRules });
      const marks = found.rust.flatMap((file) => readMarks(file, file.slice(root.length + 1)));
      expect(marks.filter((m) => m.typedOnly), '`-typed` marks are for TS/JS').toEqual([]);
      const findings = result.diagnostics.map((d) => ({ file: d.span.file, line: d.span.line, rule: d.rule, severity: d.severity }));
      const { expected, actual, missesReported } = compareMarks(marks, findings);
      expect(actual).toEqual(expected);
      // Known misses stay visible: if one starts being reported, its annotation must say so.
      expect(missesReported, 'reported now: turn these `miss:` marks into `expect:`').toEqual([]);
      // Every fixture but the half-written ones compiles (the ground-truth harness builds them), so a
      // syntax-error note on one is the front end misreading valid Rust and losing what follows.
      const syntaxNotes = result.notes.filter((n) => n.message.startsWith('syntax error'));
      if (!name.startsWith('half_written')) expect(syntaxNotes, 'valid Rust read as a syntax error').toEqual([]);
    });
  }
});

// The peers' own suites (clippy's lock UI tests, lockbud's lock toys; fixtures/peers/SOURCE.md),
// one crate each, held to their marks the same way.
const peersDir = join(root, 'fixtures/peers');
const peerCases = ['clippy', 'lockbud/toys'].flatMap((suite) =>
  readdirSync(join(peersDir, suite))
    .filter((name) => statSync(join(peersDir, suite, name)).isDirectory())
    .sort()
    .map((name) => `${suite}/${name}`),
);

describe('peer suites', () => {
  it('covers every vendored suite', () => {
    expect(peerCases.filter((c) => c.startsWith('clippy/'))).toHaveLength(5);
    expect(peerCases.filter((c) => c.startsWith('lockbud/'))).toHaveLength(13);
  });

  for (const name of peerCases) {
    it(name, () => {
      const found = discoverFiles([join(peersDir, name)], root);
      const result = analyzeRust(found.rust, { cwd: root, rules: defaultRules });
      const marks = found.rust.flatMap((file) => readMarks(file, file.slice(root.length + 1)));
      const findings = result.diagnostics.map((d) => ({ file: d.span.file, line: d.span.line, rule: d.rule, severity: d.severity }));
      const { expected, actual, missesReported } = compareMarks(marks, findings);
      expect(actual).toEqual(expected);
      expect(missesReported, 'reported now: turn these `miss:` marks into `expect:`').toEqual([]);
    });
  }
});

// The blind unseen-code rounds (fixtures/unseen/<round>/<crate>/: code written and run by someone
// who had not read the analysis), held to their marks the same way, crate by crate as a user runs
// `lockscope check <crate>`: a fix turns a `miss:` into an `expect:`, and the score cannot regress
// silently.
const unseenDir = join(root, 'fixtures/unseen');
const unseenCrates = readdirSync(unseenDir)
  .sort()
  .flatMap((round) =>
    readdirSync(join(unseenDir, round))
      .filter((name) => statSync(join(unseenDir, round, name)).isDirectory() && /^svc/.test(name))
      .sort()
      .map((name) => `${round}/${name}`),
  );

describe('unseen-code rounds', () => {
  it('covers the crates of rounds 2 to 5', () => {
    expect(unseenCrates).toEqual(expect.arrayContaining(['round2/svc2021', 'round2/svc2024', 'round3/svc2021', 'round3/svc2024', 'round4/svc2021', 'round5/svc2021', 'round5/svc2024']));
  });

  for (const name of unseenCrates) {
    it(name, () => {
      const found = discoverFiles([join(unseenDir, name)], root);
      const result = analyzeRust(found.rust, { cwd: root, rules: defaultRules });
      const marks = found.rust.flatMap((file) => readMarks(file, file.slice(root.length + 1)));
      expect(marks.length, 'a crate of the round without marks would check nothing').toBeGreaterThan(0);
      const findings = result.diagnostics.map((d) => ({ file: d.span.file, line: d.span.line, rule: d.rule, severity: d.severity }));
      const { expected, actual, missesReported } = compareMarks(marks, findings);
      expect(actual).toEqual(expected);
      expect(missesReported, 'reported now: turn these `miss:` marks into `expect:`').toEqual([]);
    });
  }
});

// The README promises that a finding resting on a guessed lock type, or one that blocks only under
// contention, is a warning and never an error, whatever the rule's setting.
describe('the low-confidence cap', () => {
  const source = `
use std::sync::Mutex;
use std::sync::RwLock;

struct Known { m: Mutex<u32>, rw: RwLock<u32> }

impl Known {
    fn certain(&self) {
        let g = self.m.lock().unwrap();
        let h = self.m.lock().unwrap();
    }
    fn contended(&self) {
        let g = self.rw.read().unwrap();
        let h = self.rw.read().unwrap();
    }
}

struct Guessed { inner: elsewhere::Mutex<u32> }

impl Guessed {
    fn unknown_type(&self) {
        let g = self.inner.lock();
        let h = self.inner.lock();
    }
}
`;
  it('keeps certain findings errors and caps uncertain ones at warn, even when the rule is set to error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockscope-cap-'));
    try {
      const file = join(dir, 'lib.rs');
      writeFileSync(file, source);
      const { diagnostics } = analyzeRust([file], { cwd: dir, rules: { 'double-lock': 'error' } });
      const byFunction = diagnostics.map((d) => `${d.span.line} ${d.rule} ${d.severity}`);
      expect(byFunction).toEqual(['9 double-lock error', '13 double-lock warn', '22 double-lock warn']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
