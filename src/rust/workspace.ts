// A long-lived Rust analysis for editors: each crate is indexed once per process; a lint of one
// file re-indexes only what changed (the buffer, or a crate file whose mtime moved), so a
// keystroke in a large crate costs an update and the checks, not a re-parse of the crate.
import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { discoverFiles } from '../core/discover.js';
import type { AnalysisNote, Diagnostic, Edition, RuleSetting } from '../core/model.js';
import { PhaseClock, RUST_PHASES } from '../core/phase-clock.js';
import { CrateAnalysis, dedupe, readCrateTexts, readDependencies, toDiagnostic } from './analyze.js';
import { SharedDependencyFiles } from './crate-index.js';
import type { RustExtraLockApis } from '../core/config.js';
import { groupIntoCrates, type CrateInfo } from './crates.js';
import type { RustFinding } from './rules/rule.js';

export interface RustWorkspaceOptions {
  readonly rules?: Readonly<Record<string, RuleSetting>>;
  readonly edition?: Edition;
  readonly extraLockApis?: RustExtraLockApis;
}

interface LoadedCrate {
  readonly analysis: CrateAnalysis;
  /** Findings of the last check, valid until the crate's text changes. */
  findings?: RustFinding[];
  /** Absolute path → mtime (ms) when last read from disk. */
  readonly mtimes: Map<string, number>;
  readonly shownOf: Map<string, string>;
}

function mtimeOf(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

export class RustWorkspace {
  private readonly crates = new Map<string, LoadedCrate>();
  private readonly rules: Readonly<Record<string, RuleSetting>>;

  constructor(private readonly options: RustWorkspaceOptions = {}) {
    this.rules = options.rules ?? {};
  }

  /**
   * Diagnostics whose primary span is in `file`, analysing its whole crate with `text` as that
   * file's contents. Spans are relative to `cwd`. Files added to a crate after its first lint are
   * not seen until a new workspace is made (documented limitation).
   */
  lintFile(file: string, text: string, cwd: string): { diagnostics: Diagnostic[]; notes: AnalysisNote[] } {
    const absolute = resolve(cwd, file);
    const shown = relative(cwd, absolute) || absolute;
    const loaded = this.load(absolute, cwd);
    this.refresh(loaded, absolute);
    if (loaded.analysis.text(shown) !== text) {
      loaded.analysis.update(shown, text);
      loaded.findings = undefined;
    }
    // Six ESLint rules ask about one file in a row, and unchanged files are linted again: the
    // crate's findings stand until some file of it changes.
    const findings = (loaded.findings ??= loaded.analysis.check(this.rules));
    const diagnostics = dedupe(findings.filter((f) => f.span.file === shown).map((f) => toDiagnostic(f, this.rules, (name) => loaded.analysis.source(name))));
    const notes = loaded.analysis.index.notes.filter((n) => n.file === shown);
    return { diagnostics, notes };
  }

  private load(file: string, cwd: string): LoadedCrate {
    const [owner] = groupIntoCrates([file], this.options.edition);
    const key = `${owner.hasManifest ? owner.root : file}\u0000${cwd}`;
    const known = this.crates.get(key);
    if (known) return known;
    // The crate is every .rs file below its Cargo.toml that no nested Cargo.toml claims.
    const files = owner.hasManifest
      ? groupIntoCrates(discoverFiles([owner.root], cwd).rust, this.options.edition).find((c) => c.root === owner.root)?.files ?? [file]
      : [file];
    if (!files.includes(file)) files.push(file);
    const crate = groupIntoCrates(files, this.options.edition).find((c) => c.root === owner.root) ?? owner;
    const notes: AnalysisNote[] = [];
    const { texts, absolute } = readCrateTexts(crate.files, cwd, notes);
    const mtimes = new Map<string, number>();
    const shownOf = new Map<string, string>();
    for (const [shown, abs] of absolute) {
      mtimes.set(abs, mtimeOf(abs) ?? 0);
      shownOf.set(abs, shown);
    }
    // The run's other crates are whatever its path dependencies name: read from their own
    // directories (a dependency's files edited later are seen by a new workspace, as added files are).
    const crateAt = (root: string): CrateInfo | undefined => groupIntoCrates(discoverFiles([root], cwd).rust, this.options.edition).find((c) => c.root === root);
    const shared = new SharedDependencyFiles();
    const dependencies = readDependencies(crate, crateAt, { cwd }, shared, new Map());
    const analysis = new CrateAnalysis(crate, texts, absolute, new PhaseClock(RUST_PHASES), this.options.extraLockApis, dependencies, shared);
    const loaded: LoadedCrate = { analysis, mtimes, shownOf };
    this.crates.set(key, loaded);
    return loaded;
  }

  /** Re-reads crate files whose mtime changed since they were read (not the linted buffer). */
  private refresh(loaded: LoadedCrate, linted: string): void {
    for (const [abs, seen] of loaded.mtimes) {
      if (abs === linted) continue;
      const now = mtimeOf(abs);
      if (now === undefined || now === seen) continue;
      loaded.mtimes.set(abs, now);
      const notes: AnalysisNote[] = [];
      const { texts } = readCrateTexts([abs], resolve('/'), notes);
      const text = [...texts.values()][0];
      const shown = loaded.shownOf.get(abs);
      if (text !== undefined && shown !== undefined) {
        loaded.analysis.update(shown, text);
        loaded.findings = undefined;
      }
    }
  }
}
