// The editor-facing workspace: one crate index per process, updated file by file.
import { cpSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RustWorkspace } from '../src/rust/workspace.js';

const root = join(import.meta.dirname, '..');

function incidentCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockscope-ws-'));
  cpSync(join(root, 'examples/incident'), dir, { recursive: true });
  return dir;
}

describe('RustWorkspace', () => {
  it('reports the seed deadlock for the file being linted, and only for it', () => {
    const dir = incidentCopy();
    const ws = new RustWorkspace();
    const proxy = join(dir, 'src/proxy.rs');
    const load = join(dir, 'src/load.rs');
    expect(ws.lintFile(proxy, readFileSync(proxy, 'utf8'), dir).diagnostics.map((d) => [d.rule, d.span.line])).toEqual([['guard-across-branch', 17]]);
    expect(ws.lintFile(load, readFileSync(load, 'utf8'), dir).diagnostics).toEqual([]);
  });

  it('follows an unsaved buffer: fixing the scrutinee clears the finding, undoing brings it back', () => {
    const dir = incidentCopy();
    const ws = new RustWorkspace();
    const proxy = join(dir, 'src/proxy.rs');
    const original = readFileSync(proxy, 'utf8');
    const fixed = original.replace(
      'if let Some(Load::Local(load)) = &self.load.read().unwrap().get(key) {',
      'let current = self.load.read().unwrap().get(key).cloned();\n        if let Some(Load::Local(load)) = current {',
    );
    expect(fixed).not.toEqual(original);
    expect(ws.lintFile(proxy, original, dir).diagnostics).toHaveLength(1);
    expect(ws.lintFile(proxy, fixed, dir).diagnostics).toHaveLength(0);
    expect(ws.lintFile(proxy, original, dir).diagnostics).toHaveLength(1);
  });

  it('sees an edit saved to another file of the crate (the write lock two calls below)', () => {
    const dir = incidentCopy();
    const ws = new RustWorkspace();
    const proxy = join(dir, 'src/proxy.rs');
    const load = join(dir, 'src/load.rs');
    const proxyText = readFileSync(proxy, 'utf8');
    expect(ws.lintFile(proxy, proxyText, dir).diagnostics).toHaveLength(1);
    // `store` no longer takes the write lock: the chain ends, so does the finding.
    writeFileSync(load, readFileSync(load, 'utf8').replace('self.load.write().unwrap().insert(key.to_string(), load);', 'let _ = (key, load);'));
    utimesSync(load, new Date(), new Date(Date.now() + 5_000));
    expect(ws.lintFile(proxy, proxyText, dir).diagnostics).toHaveLength(0);
  });
});
