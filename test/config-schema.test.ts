// The JSON schema shipped for `lockscope.config.json` (schemas/lockscope.config.schema.json) and the
// configuration parser must agree: what the README documents validates under both, and each typo a
// user could make is refused by both. Editors check the file with the schema; the CLI with the parser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { RULES } from '../src/core/catalogue.js';
import { ConfigError, parseConfig, TS_HOLD_STYLES } from '../src/core/config.js';
import { SUPPRESSION_RULES } from '../src/core/suppressions.js';
import { repoRoot } from './cli-support.js';

const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas/lockscope.config.schema.json'), 'utf8')) as object;
const AjvClass = (Ajv as unknown as { default?: typeof Ajv }).default ?? Ajv;
const validate = new AjvClass({ allErrors: true, strict: true }).compile(schema);

function schemaAccepts(config: unknown): boolean {
  return validate(config);
}

function parserAccepts(config: unknown): boolean {
  try {
    parseConfig(JSON.stringify(config), '/project/lockscope.config.json', '/project');
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

/** The first ```json block under the README's "### Configuration" heading. */
function readmeExample(): unknown {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Configuration'));
  const block = /```json\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README: no json block under "### Configuration"');
  return JSON.parse(block[1]);
}

describe('lockscope.config.json schema', () => {
  it("the README's example validates under the schema and the parser, and names the shipped schema", () => {
    const example = readmeExample() as Record<string, unknown>;
    expect(example.$schema).toBe('./node_modules/eslint-plugin-lockscope/schemas/lockscope.config.schema.json');
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(parserAccepts(example)).toBe(true);
  });

  it('every rule id, setting, edition, lock kind, access mode and TS hold style validates under both', () => {
    const valid: unknown[] = [
      {},
      ...[...RULES, ...SUPPRESSION_RULES].flatMap((rule) => ['off', 'warn', 'error'].map((setting) => ({ rules: { [rule.id]: setting } }))),
      ...[2015, 2018, 2021, 2024, '2021'].map((edition) => ({ edition })),
      { ignore: [] },
      { ignore: ['vendor/', '**/generated/**', '!keep.rs'] },
      ...['Mutex', 'RwLock', 'ReentrantMutex', 'RefCell', 'DashMap', 'DashSet'].map((kind) => ({ extraLockApis: { rust: { lockTypes: { Tracked_1: kind } } } })),
      ...['shared', 'upgradable', 'exclusive'].map((mode) => ({ extraLockApis: { rust: { guardTypes: { Guard: mode } } } })),
      ...TS_HOLD_STYLES.flatMap((style) => [style, ...(style === 'release' ? [] : [`${style}:shared`])]).map((style) => ({
        extraLockApis: { ts: { '@acme/locks': { default: { $take: style } } } },
      })),
      { extraLockApis: { rust: {}, ts: {} } },
    ];
    for (const config of valid) {
      expect([JSON.stringify(config), schemaAccepts(config), parserAccepts(config)]).toEqual([JSON.stringify(config), true, true]);
    }
  });

  it('typos and wrong values are refused by both', () => {
    const invalid: unknown[] = [
      [],
      { rule: { 'double-lock': 'off' } },
      { rules: { 'double-lok': 'off' } },
      { rules: { 'double-lock': 'of' } },
      { rules: { 'double-lock': 0 } },
      { edtion: 2021 },
      { edition: 2020 },
      { ignore: 'vendor/' },
      { ignore: ['vendor/', 3] },
      { ignore: Array.from({ length: 10_001 }, (_, i) => `dir${i}/`) },
      { extraLockApis: { rust: { lockType: { Tracked: 'Mutex' } } } },
      { extraLockApis: { rust: { lockTypes: { Tracked: 'Mutx' } } } },
      { extraLockApis: { rust: { lockTypes: { 'my::Tracked': 'Mutex' } } } },
      { extraLockApis: { rust: { guardTypes: { Guard: 'write' } } } },
      { extraLockApis: { rust: [] } },
      { extraLockApis: { go: {} } },
      { extraLockApis: { ts: { '@acme/locks': { KeyedMutex: { take: 'callbak' } } } } },
      { extraLockApis: { ts: { '@acme/locks': { KeyedMutex: { take: 'release:shared' } } } } },
      { extraLockApis: { ts: { '@acme/locks': { KeyedMutex: { take: 'releaser:exclusive' } } } } },
      { extraLockApis: { ts: { '@acme/locks': { KeyedMutex: {} } } } },
      { extraLockApis: { ts: { '@acme/locks': { 'Keyed-Mutex': { take: 'releaser' } } } } },
      { extraLockApis: { ts: { '@acme/locks': { KeyedMutex: { 'take-it': 'releaser' } } } } },
      { extraLockApis: { ts: { '@acme/locks': 'releaser' } } },
    ];
    for (const config of invalid) {
      const shown = JSON.stringify(config).slice(0, 120);
      expect([shown, schemaAccepts(config), parserAccepts(config)]).toEqual([shown, false, false]);
    }
  });
});
