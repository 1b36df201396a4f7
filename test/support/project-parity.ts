// Parity of the project pack with `lockscope check`: generate the pack for a directory, scan the
// same directory with ast-grep (the twin) or Semgrep, and compare with the CLI's findings. A
// finding is matched when the pack reports, in its file, the line of its guard or of one of its
// related spans (the conflicting call, the calls on the way); a pack result on a line that no
// finding names is a match where the analysis found nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { discoverFiles } from '../../src/core/discover.js';
import { packageRoot } from '../../src/core/package-root.js';
import { analyzeRust } from '../../src/rust/analyze.js';
import { conflictRule, findConflicts } from '../../src/rust/conflicts.js';
import { runSemgrepCommand } from '../../src/semgrep/command.js';
import { packAsOneConfig, semgrepScan } from './semgrep-tool.js';

const root = packageRoot();

/**
 * The rules the project pack carries (Rust, then TS/JS); lock-order inversions span two functions
 * and `release-on-every-path` is about paths, not a conflicting call: neither is among them.
 */
export const PACK_RULES = new Set(['guard-across-branch', 'double-lock', 'lock-upgrade', 'guard-across-await', 'no-nested-lock', 'no-lock-upgrade']);

interface Finding {
  readonly rule: string;
  readonly file: string;
  readonly line: number;
  readonly related: readonly { file: string; line: number }[];
}

export interface Parity {
  readonly findings: number;
  readonly withForm: number;
  readonly matched: number;
  readonly missed: readonly string[];
  readonly unexplained: readonly string[];
  /** Matches on a later conflict of a guard the analysis reports (once, at its first conflict). */
  readonly furtherConflicts: readonly string[];
}

export function checkFindings(dir: string): Finding[] {
  const run = spawnSync(process.execPath, [join(root, 'bin/lockscope.js'), 'check', '--format', 'json', dir], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`lockscope check ${dir} failed (${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { diagnostics: Finding[] }).diagnostics;
}

/**
 * `file:line` of the conflicts that a rule found under a guard and left out of its finding: each
 * rule reports a guard once, at its conflict with the shortest chain (`firstPerGuard`), so a
 * second call under the same guard (`if let … { write() } else { write() }`) is a conflict the
 * analysis found, not a match where it found nothing; so is a later `.await` under a guard that
 * `guard-across-await` reported at its first one.
 */
export function furtherConflicts(dir: string, findings: readonly Finding[]): Set<string> {
  const { rust } = discoverFiles([dir], root);
  const out = new Set<string>();
  if (rust.length === 0) return out;
  const reported = new Set(findings.map((f) => `${f.rule} ${f.file}:${f.line}`));
  const shown = (file: string): string => relative(root, file).split('\\').join('/');
  for (const crate of analyzeRust(rust, { cwd: root, rules: {}, keepFacts: true }).crates) {
    for (const c of findConflicts(crate.facts)) {
      const guard = c.held.guard.acquisition.span;
      if (!reported.has(`${conflictRule(c)} ${shown(guard.file)}:${guard.line}`)) continue;
      const site = c.event.kind === 'acquire' ? c.event.acquisition.span : c.event.span;
      out.add(`${shown(site.file)}:${site.line}`);
    }
    // `guard-across-await` reports a guard once, at its first `.await`: the later ones under it too.
    for (const facts of crate.facts.allFacts()) {
      for (const event of facts.events) {
        if (event.kind !== 'await') continue;
        if (!event.held.some(({ guard }) => reported.has(`guard-across-await ${shown(guard.acquisition.span.file)}:${guard.acquisition.span.line}`))) continue;
        out.add(`${shown(event.span.file)}:${event.span.line}`);
      }
    }
  }
  return out;
}

export async function writeProjectPack(dir: string, engine: 'semgrep' | 'ast-grep'): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), `lockscope-parity-${engine}-`));
  const io = { stdout: () => undefined, stderr: () => undefined, isTty: false, env: {}, cwd: root };
  const code = await runSemgrepCommand(['--project', dir, '--out', out, '--engine', engine], io);
  if (code !== 0) throw new Error(`lockscope semgrep --project ${dir} exited ${code}`);
  return out;
}

export function astGrepScan(pack: string, targets: readonly string[]): { path: string; line: number; ruleId: string }[] {
  const run = spawnSync(join(root, 'node_modules/.bin/ast-grep'), ['scan', '-c', join(pack, 'sgconfig.yml'), '--json=compact', ...targets], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`ast-grep failed (${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { file: string; ruleId: string; range: { start: { line: number } } }[]).map((m) => ({ path: m.file, line: m.range.start.line + 1, ruleId: m.ruleId }));
}

export function compare(findings: readonly Finding[], results: readonly { path: string; line: number; ruleId: string }[], further: ReadonlySet<string> = new Set()): Parity {
  const reported = new Set(results.map((r) => `${r.path}:${r.line}`));
  const named = new Set<string>();
  for (const f of findings) {
    named.add(`${f.file}:${f.line}`);
    for (const r of f.related) named.add(`${r.file}:${r.line}`);
  }
  const withForm = findings.filter((f) => PACK_RULES.has(f.rule));
  const missed: string[] = [];
  let matched = 0;
  for (const f of withForm) {
    const lines = [f.line, ...f.related.filter((r) => r.file === f.file).map((r) => r.line)];
    if (lines.some((line) => reported.has(`${f.file}:${line}`))) matched++;
    else missed.push(`${f.rule} ${f.file}:${f.line}`);
  }
  const elsewhere = results.filter((r) => !named.has(`${r.path}:${r.line}`));
  const listed = (rs: typeof results): string[] => [...new Set(rs.map((r) => `${r.path}:${r.line} ${r.ruleId}`))].sort();
  return {
    findings: findings.length,
    withForm: withForm.length,
    matched,
    missed,
    unexplained: listed(elsewhere.filter((r) => !further.has(`${r.path}:${r.line}`))),
    furtherConflicts: listed(elsewhere.filter((r) => further.has(`${r.path}:${r.line}`))),
  };
}

export async function parityOf(dir: string, engine: 'semgrep' | 'ast-grep'): Promise<Parity> {
  const pack = await writeProjectPack(dir, engine);
  const results = engine === 'ast-grep' ? astGrepScan(pack, [dir]) : semgrepScan(packAsOneConfig(pack), [dir], root).map((r) => ({ path: r.path, line: r.line, ruleId: r.checkId }));
  const findings = checkFindings(dir);
  return compare(findings, results, furtherConflicts(dir, findings));
}

export function describeParity(label: string, p: Parity): string {
  const pct = p.withForm === 0 ? 100 : (100 * p.matched) / p.withForm;
  return `${label}: ${p.matched}/${p.withForm} findings with a pack form matched (${pct.toFixed(1)}%), ${p.findings - p.withForm} without one (lock order, release paths), ${p.unexplained.length} matches where the analysis reports nothing, ${p.furtherConflicts.length} on a later conflict of a guard it reports once`;
}
