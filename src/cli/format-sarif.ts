// SARIF 2.1.0 for code-review UIs (GitHub code scanning): one result per finding at the guard,
// the conflicting acquisition and each call of the chain as related locations and as a code
// flow, and a fingerprint that survives unrelated edits.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { docsUrl, REPOSITORY_URL, RULES } from '../core/catalogue.js';
import { fingerprintDiagnostics, type SourceLookup } from '../core/fingerprint.js';
import type { Diagnostic, RuleSetting, SourceSpan } from '../core/model.js';
import { packageRoot } from '../core/package-root.js';
import { SUPPRESSION_RULES } from '../core/suppressions.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
/** The key of lockscope's fingerprint in `partialFingerprints`; bump the suffix if its basis changes. */
export const FINGERPRINT_KEY = 'lockscopeFingerprint/v1';
const SOURCE_ROOT = '%SRCROOT%';

const level = (setting: RuleSetting): Sarif.ReportingConfiguration.level => (setting === 'error' ? 'error' : setting === 'warn' ? 'warning' : 'none');

/** The first paragraph under a rule page's "## What it does", as plain text. */
function whatItDoes(ruleId: string): string | undefined {
  let page: string;
  try {
    page = readFileSync(`${packageRoot()}/docs/rules/${ruleId}.md`, 'utf8');
  } catch {
    return undefined;
  }
  const section = /^## What it does\s*\n+([\s\S]*?)(?:\n\s*\n|$)/m.exec(page);
  return section ? section[1].replace(/\s*\n\s*/g, ' ').trim() : undefined;
}

function ruleDescriptors(): Sarif.ReportingDescriptor[] {
  const analysis = RULES.map((rule) => ({
    id: rule.id,
    shortDescription: { text: rule.summary },
    fullDescription: { text: whatItDoes(rule.id) ?? rule.summary },
    helpUri: docsUrl(rule.id),
    defaultConfiguration: { level: level(rule.defaultSetting), enabled: rule.defaultSetting !== 'off' },
    properties: { tags: [rule.language === 'rust' ? 'rust' : 'typescript', 'concurrency'] },
  }));
  const suppression = SUPPRESSION_RULES.map((rule) => ({
    id: rule.id,
    shortDescription: { text: rule.summary },
    fullDescription: { text: rule.summary },
    helpUri: rule.helpUri,
    defaultConfiguration: { level: level(rule.defaultSetting) },
    properties: { tags: ['suppression'] },
  }));
  return [...analysis, ...suppression];
}

function physical(span: SourceSpan): Sarif.PhysicalLocation {
  return {
    artifactLocation: { uri: encodeURI(span.file.split('\\').join('/')), uriBaseId: SOURCE_ROOT },
    region: { startLine: span.line, startColumn: span.column, endLine: span.endLine, endColumn: span.endColumn },
  };
}

function toolVersion(): string {
  return (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
}

export function formatSarif(diagnostics: readonly Diagnostic[], sources: SourceLookup, cwd: string): string {
  const rules = ruleDescriptors();
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: Sarif.Result[] = fingerprintDiagnostics(diagnostics, sources).map(({ diagnostic: d, fingerprint }) => {
    const primary: Sarif.Location = { physicalLocation: physical(d.span), message: { text: 'guard created here' } };
    const related: Sarif.Location[] = d.related.map((r, i) => ({ id: i + 1, physicalLocation: physical(r.span), message: { text: r.message } }));
    const result: Sarif.Result = {
      ruleId: d.rule,
      level: d.severity === 'error' ? 'error' : 'warning',
      message: { text: d.message },
      locations: [primary],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint },
    };
    if (index.has(d.rule)) result.ruleIndex = index.get(d.rule);
    if (related.length > 0) {
      result.relatedLocations = related;
      // The chain in execution order: the guard, each call on the way, the conflicting acquisition.
      result.codeFlows = [
        {
          message: { text: d.message.split('. ')[0] },
          threadFlows: [
            {
              locations: [primary, ...related.map(({ id: _id, ...location }) => location)].map((location, step) => ({
                location,
                executionOrder: step + 1,
              })),
            },
          ],
        },
      ];
    }
    return result;
  });
  const log: Sarif.Log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'lockscope', informationUri: REPOSITORY_URL, version: toolVersion(), semanticVersion: toolVersion(), rules } },
        originalUriBaseIds: { [SOURCE_ROOT]: { uri: `${pathToFileURL(cwd).href.replace(/\/?$/, '/')}` } },
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}
