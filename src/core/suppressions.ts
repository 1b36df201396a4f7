// `// lockscope-ignore-next-line <rule>[, <rule>] -- <reason>`, for Rust and TS/JS alike: applied
// once to the merged diagnostics of both front ends. A suppression without a reason, or one that
// suppresses nothing, is reported itself so that stale ones do not pile up.
import { findRule, REPOSITORY_URL } from './catalogue.js';
import type { Diagnostic, RuleSetting, SourceSpan } from './model.js';

export const SUPPRESSION_MARKER = 'lockscope-ignore-next-line';

/** Diagnostics the CLI itself raises about suppression comments; not analysis rules. */
export interface CliRuleInfo {
  readonly id: string;
  readonly defaultSetting: RuleSetting;
  readonly summary: string;
  readonly helpUri: string;
}

export const SUPPRESSION_RULES: readonly CliRuleInfo[] = [
  {
    id: 'unused-suppression',
    defaultSetting: 'warn',
    summary: 'A lockscope-ignore-next-line comment suppresses nothing: no finding of the named rules is on the next line, or it names no known rule.',
    helpUri: `${REPOSITORY_URL}#suppressing-a-finding`,
  },
  {
    id: 'suppression-without-reason',
    defaultSetting: 'warn',
    summary: 'A lockscope-ignore-next-line comment gives no reason after `--`.',
    helpUri: `${REPOSITORY_URL}#suppressing-a-finding`,
  },
];

export function findSuppressionRule(id: string): CliRuleInfo | undefined {
  return SUPPRESSION_RULES.find((rule) => rule.id === id);
}

export interface Suppression {
  /** The comment itself, for reporting it. */
  readonly span: SourceSpan;
  readonly rules: readonly string[];
  readonly reason: string | undefined;
  /** The 1-based line it applies to: the next line that is not only a comment. */
  readonly targetLine: number;
}

const COMMENT_ONLY = /^\s*(?:\/\/|\/\*|\*)/;

/** Finds the suppression comments of one file; `file` is the path diagnostics carry. */
export function parseSuppressions(file: string, text: string): Suppression[] {
  if (!text.includes(SUPPRESSION_MARKER)) return [];
  const lines = text.split(/\r?\n/);
  const found: Suppression[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const at = line.indexOf(`//`);
    if (at < 0) continue;
    const m = new RegExp(`^//[/!]?\\s*${SUPPRESSION_MARKER}(?=\\s|$)(.*)$`).exec(line.slice(at));
    if (!m) continue;
    const body = m[1];
    const dashes = body.indexOf('--');
    const ruleText = dashes >= 0 ? body.slice(0, dashes) : body;
    const reason = dashes >= 0 ? body.slice(dashes + 2).trim() : '';
    let target = i + 1;
    while (target < lines.length && COMMENT_ONLY.test(lines[target])) target++;
    found.push({
      span: { file, line: i + 1, column: at + 1, endLine: i + 1, endColumn: line.length + 1 },
      rules: ruleText.split(/[\s,]+/).filter((r) => r.length > 0),
      reason: reason.length > 0 ? reason : undefined,
      targetLine: target + 1,
    });
  }
  return found;
}

export interface SuppressionOutcome {
  /** The diagnostics no suppression covers. */
  readonly kept: Diagnostic[];
  /** How many diagnostics the comments silenced. */
  readonly suppressed: number;
  /** `unused-suppression` and `suppression-without-reason` findings. */
  readonly problems: Diagnostic[];
}

/**
 * Drops each diagnostic whose primary line is the target of a suppression naming its rule.
 * `settingOf` gives the effective setting of any rule id (analysis or suppression rule): a
 * suppression of a rule that is off is not called unused, since nothing could be found for it.
 */
export function applySuppressions(
  diagnostics: readonly Diagnostic[],
  suppressions: readonly Suppression[],
  settingOf: (ruleId: string) => RuleSetting,
): SuppressionOutcome {
  const byTarget = new Map<string, Suppression[]>();
  for (const s of suppressions) {
    const key = `${s.span.file}\0${s.targetLine}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), s]);
  }
  const used = new Set<string>();
  const kept: Diagnostic[] = [];
  let suppressed = 0;
  for (const d of diagnostics) {
    const covering = (byTarget.get(`${d.span.file}\0${d.span.line}`) ?? []).find((s) => s.rules.includes(d.rule));
    if (!covering) {
      kept.push(d);
      continue;
    }
    suppressed++;
    used.add(`${covering.span.file}\0${covering.span.line}\0${d.rule}`);
  }

  const problems: Diagnostic[] = [];
  const report = (rule: string, span: SourceSpan, message: string): void => {
    const setting = settingOf(rule);
    if (setting !== 'off') problems.push({ rule, severity: setting, span, message, related: [] });
  };
  for (const s of suppressions) {
    if (s.reason === undefined) {
      report(
        'suppression-without-reason',
        s.span,
        `This suppression gives no reason. Fix: say why the finding is safe after \`--\`, e.g. \`// ${SUPPRESSION_MARKER} ${s.rules.join(', ') || '<rule>'} -- <reason>\`.`,
      );
    }
    if (s.rules.length === 0) {
      report('unused-suppression', s.span, `This suppression names no rule, so it suppresses nothing. Fix: name the rule, e.g. \`// ${SUPPRESSION_MARKER} double-lock -- <reason>\`.`);
      continue;
    }
    for (const rule of s.rules) {
      if (used.has(`${s.span.file}\0${s.span.line}\0${rule}`)) continue;
      const known = findRule(rule) !== undefined;
      if (known && settingOf(rule) === 'off') continue;
      report(
        'unused-suppression',
        s.span,
        known
          ? `This suppression of \`${rule}\` suppresses nothing: no \`${rule}\` finding starts on line ${s.targetLine}. Fix: remove \`${rule}\` from it (or the whole comment).`
          : `\`${rule}\` is not a lockscope rule, so this suppression of it suppresses nothing. Fix: use an id that \`lockscope rules\` lists.`,
      );
    }
  }
  return { kept, suppressed, problems };
}
