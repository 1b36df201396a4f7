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

function rulePage(ruleId: string): string | undefined {
  try {
    return readFileSync(`${packageRoot()}/docs/rules/${ruleId}.md`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The whole first paragraph under a rule page's "## What it does", as plain text. */
export function whatItDoes(page: string): string | undefined {
  const heading = /^## What it does[ \t]*$/m.exec(page);
  if (!heading) return undefined;
  const paragraph = page.slice(heading.index + heading[0].length).trimStart().split(/\n[ \t]*\n/)[0];
  return paragraph.replace(/\s*\n\s*/g, ' ').trim() || undefined;
}

/** The page without its `# id` title (the UI shows the rule id above the help). */
const helpMarkdown = (page: string): string => page.replace(/^# [^\n]*\n+/, '').trim();

/** The markdown as plain text for `help.text`: fences and emphasis removed, paragraphs kept. */
const helpText = (markdown: string): string =>
  markdown
    .replace(/^```[^\n]*\n/gm, '')
    .replace(/^#+\s*/gm, '')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1');

function ruleDescriptors(): Sarif.ReportingDescriptor[] {
  const analysis = RULES.map((rule) => {
    const page = rulePage(rule.id);
    return {
      id: rule.id,
      shortDescription: { text: rule.summary },
      fullDescription: { text: (page && whatItDoes(page)) ?? rule.summary },
      // GitHub code scanning shows help.markdown as the rule's help; text is the fallback.
      ...(page ? { help: { text: helpText(helpMarkdown(page)), markdown: helpMarkdown(page) } } : {}),
      helpUri: docsUrl(rule.id),
      defaultConfiguration: { level: level(rule.defaultSetting), enabled: rule.defaultSetting !== 'off' },
      properties: { tags: [rule.language === 'rust' ? 'rust' : 'typescript', 'concurrency'] },
    };
  });
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
