// The generic pack as files: Semgrep YAML plus test targets (`semgrep/`), or the ast-grep twin of
// the same rules with the same targets. Output is a pure function of the catalogue, the shapes and
// the fixtures, so re-running it is byte-identical.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { docsUrl } from '../core/catalogue.js';
import { rustShapeRule, tsShapeRule, type AstGrepRule } from './ast-grep-rules.js';
import { GENERIC_RULES, registryMetadata, semgrepId, severityOf, type PackRule } from './generic-rules.js';
import { rustShapeFormula, tsShapeFormula, type SemgrepFormula } from './semgrep-formulas.js';
import { TARGETS } from './target-cases.js';
import { renderTarget } from './targets.js';

/** Relative path → file content. */
export type PackFiles = Map<string, string>;

export type Engine = 'semgrep' | 'ast-grep';

export function toYaml(value: unknown): string {
  return new YAML.Document(value).toString({ lineWidth: 0, blockQuote: 'literal' });
}

export const SEMGREP_LANGUAGES = { rust: ['rust'], ts: ['typescript', 'javascript'] } as const;
export const AST_GREP_LANGUAGE = { rust: 'rust', ts: 'typescript' } as const;

/** One formula, or the `pattern-either` of several, as the keys of a Semgrep rule. */
export function formulaKeys(formulas: readonly SemgrepFormula[]): SemgrepFormula {
  return formulas.length === 1 ? formulas[0] : { 'pattern-either': formulas };
}

function formulasOf(rule: PackRule): SemgrepFormula[] {
  return [...(rule.shapes.rust ?? []).map(rustShapeFormula), ...(rule.shapes.ts ?? []).map(tsShapeFormula)];
}

function astGrepRulesOf(rule: PackRule): AstGrepRule[] {
  return [...(rule.shapes.rust ?? []).map(rustShapeRule), ...(rule.shapes.ts ?? []).map(tsShapeRule)];
}

export function semgrepRuleYaml(rule: PackRule): string {
  return toYaml({
    rules: [
      {
        id: semgrepId(rule.language, rule.name),
        message: rule.message,
        severity: severityOf(rule.catalogueId),
        languages: SEMGREP_LANGUAGES[rule.language],
        metadata: registryMetadata(rule, 'audit'),
        ...formulaKeys(formulasOf(rule)),
      },
    ],
  });
}

export function astGrepRuleYaml(rule: PackRule): string {
  const shapes = astGrepRulesOf(rule);
  return toYaml({
    id: semgrepId(rule.language, rule.name),
    language: AST_GREP_LANGUAGE[rule.language],
    severity: severityOf(rule.catalogueId) === 'ERROR' ? 'error' : 'warning',
    message: rule.message,
    url: docsUrl(rule.catalogueId),
    rule: shapes.length === 1 ? shapes[0] : { any: shapes },
  });
}

const TARGET_EXTENSION = { rust: 'rs', ts: 'ts' } as const;

/**
 * Test targets come from the fixtures; an installed package has none, so it reuses the targets
 * shipped in its own `semgrep/` folder.
 */
function targetText(root: string, rule: PackRule): string {
  const key = `${rule.language}/${rule.name}`;
  const spec = TARGETS[key];
  if (!spec) throw new Error(`no test target cases for Semgrep pack rule ${key}`);
  if (spec.cases.every((c) => existsSync(join(root, c.file)))) return renderTarget(root, spec, semgrepId(rule.language, rule.name), rule.language);
  return readFileSync(join(root, 'semgrep', `${key}.${TARGET_EXTENSION[rule.language]}`), 'utf8');
}

/** The generic pack for one engine, keyed by path relative to the output directory. */
export function genericPackFiles(root: string, engine: Engine): PackFiles {
  const files: PackFiles = new Map();
  for (const rule of GENERIC_RULES) {
    const key = `${rule.language}/${rule.name}`;
    files.set(`${key}.${engine === 'semgrep' ? 'yaml' : 'yml'}`, engine === 'semgrep' ? semgrepRuleYaml(rule) : astGrepRuleYaml(rule));
    files.set(`${key}.${TARGET_EXTENSION[rule.language]}`, targetText(root, rule));
  }
  if (engine === 'ast-grep') files.set('sgconfig.yml', toYaml({ ruleDirs: ['rust', 'ts'] }));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
