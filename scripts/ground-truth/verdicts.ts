// What running a case showed, judged against its marks, for Rust and TS/JS alike: a positive case
// (an `expect:` or `miss:` mark inside it) must hang or panic in some scenario, any other case must
// complete in every scenario.
import type { Mark } from '../../test/support/expectations.js';

export type Outcome = 'completed' | 'hung' | 'panicked' | 'failed';

export interface ScenarioResult {
  readonly label: string;
  readonly outcome: Outcome;
  /** The panic message, or why the scenario could not run. */
  readonly detail?: string;
}

export interface CaseResult {
  /** Path under the fixtures directory of its language. */
  readonly file: string;
  readonly name: string;
  readonly line: number;
  readonly positive: boolean;
  readonly marks: readonly Mark[];
  readonly scenarios: readonly ScenarioResult[];
  readonly skipped?: string;
}

export function agrees(c: CaseResult): boolean {
  if (c.skipped !== undefined) return true;
  if (c.scenarios.some((s) => s.outcome === 'failed')) return false;
  return c.positive ? c.scenarios.some((s) => s.outcome === 'hung' || s.outcome === 'panicked') : c.scenarios.every((s) => s.outcome === 'completed');
}

export interface Disagreement {
  readonly where: string;
  readonly why: string;
}

export function disagreements(cases: readonly CaseResult[], strayMarks: readonly Mark[]): Disagreement[] {
  const out: Disagreement[] = [];
  for (const c of cases) {
    if (agrees(c)) continue;
    const seen = c.scenarios.map((s) => `${s.label}: ${s.outcome}${s.detail ? ` (${s.detail})` : ''}`).join('; ');
    out.push({
      where: `${c.file}:${c.line} ${c.name}`,
      why: c.positive ? `marked ${markList(c.marks)} but never hung or panicked — ${seen}` : `no expect/miss mark inside, but ${seen}`,
    });
  }
  for (const m of strayMarks) out.push({ where: `${m.file}:${m.line}`, why: `\`${m.kind}: ${m.rule}\` lies in no case function (name it should_trigger_*/should_not_trigger_* or give it a ground-truth directive)` });
  return out;
}

export function markList(marks: readonly Mark[], withLines = true): string {
  return marks
    .map((m) => `${m.kind === 'expect' ? '' : `${m.kind}: `}${m.severity === 'warn' && m.kind !== 'miss' ? 'warn ' : ''}${m.rule}${withLines ? ` (line ${m.line})` : ''}`)
    .join(', ');
}

export function summaryLine(language: string, cases: readonly CaseResult[], found: readonly Disagreement[]): string {
  const run = cases.filter((c) => c.skipped === undefined);
  const ok = run.filter(agrees);
  const hung = ok.filter((c) => c.positive).length;
  const completed = ok.filter((c) => !c.positive).length;
  const scenarios = run.reduce((n, c) => n + c.scenarios.length, 0);
  const skipped = cases.length - run.length;
  return `${language} ground truth: ${run.length} cases run (${scenarios} scenarios), ${hung} hung/panicked as expected, ${completed} completed as expected, ${skipped} skipped, disagreements: ${found.length}`;
}
