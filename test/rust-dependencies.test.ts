// Calls into the run's other crates, as Cargo names them (fixtures/rust/cross_crate_workspace holds
// the cases the ground truth runs): here, the manifest shapes that reach a dependency, and the
// half-written ones that must reach nothing without an error.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverFiles } from '../src/core/discover.js';
import { analyzeRust } from '../src/rust/analyze.js';

const STORAGE = {
  'storage/Cargo.toml': '[package]\nname = "storage-crate"\nversion = "0.1.0"\nedition = "2021"\n',
  'storage/src/lib.rs': 'use std::sync::Mutex;\npub static REGISTRY: Mutex<u32> = Mutex::new(0);\npub fn bump() { *REGISTRY.lock().unwrap() += 1; }\n',
};

/** `app` holds the dependency's static while calling the function that locks it, under `name`. */
function app(name: string): string {
  return `pub fn hold() {\n    let held = ${name}::REGISTRY.lock().unwrap();\n    if *held == 0 {\n        ${name}::bump();\n    }\n}\n`;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function findings(files: Record<string, string>): string[] {
  const root = mkdtempSync(join(tmpdir(), 'lockscope-deps-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const result = analyzeRust(discoverFiles([root], root).rust, { cwd: root, rules: {} });
  return result.diagnostics.map((d) => `${d.rule} ${d.span.file}:${d.span.line}`);
}

const PACKAGE = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n';

describe('dependencies of the run', () => {
  it('a path dependency, by its library name', () => {
    expect(findings({ ...STORAGE, 'Cargo.toml': `${PACKAGE}[dependencies]\nstorage-crate = { path = "storage" }\n`, 'src/lib.rs': app('storage_crate') })).toEqual(['double-lock src/lib.rs:2']);
  });

  it('a renamed, target-specific dependency, by its new name', () => {
    const manifest = `${PACKAGE}[target.'cfg(unix)'.dependencies]\nstore = { package = "storage-crate", path = "storage" }\n`;
    expect(findings({ ...STORAGE, 'Cargo.toml': manifest, 'src/lib.rs': app('store') })).toEqual(['double-lock src/lib.rs:2']);
  });

  it('a dev-dependency, from an integration test', () => {
    const manifest = `${PACKAGE}[dev-dependencies]\nstorage-crate = { path = "storage" }\n`;
    expect(findings({ ...STORAGE, 'Cargo.toml': manifest, 'src/lib.rs': '', 'tests/t.rs': app('storage_crate') })).toEqual(['double-lock tests/t.rs:2']);
  });

  it('not a crate the manifest names: no finding', () => {
    expect(findings({ ...STORAGE, 'Cargo.toml': PACKAGE, 'src/lib.rs': app('storage_crate') })).toEqual([]);
  });

  it('half-written dependency entries reach nothing, without an error', () => {
    const manifest = `${PACKAGE}[dependencies]\nstorage-crate = { path = 5 }\nother = "1"\nthird = { workspace = true }\nfourth.workspace = true\n`;
    expect(findings({ ...STORAGE, 'Cargo.toml': manifest, 'src/lib.rs': app('storage_crate') })).toEqual([]);
  });

  it('a manifest that does not parse is no crate, as before', () => {
    const files = { ...STORAGE, 'Cargo.toml': `${PACKAGE}[dependencies]\nstorage-crate = { path = "storage"\n`, 'src/lib.rs': app('storage_crate') };
    expect(findings(files)).toEqual([]);
    expect(findings({ ...files, 'Cargo.toml': `${PACKAGE}[dependencies]\nstorage-crate = { path = "storage" }\n`, 'storage/Cargo.toml': '[package]\nname = "storage-crate"\nversion = ' })).toEqual([]);
  });
});
