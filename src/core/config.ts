// `lockscope.config.json`, found upward from the working directory: rule severities, extra lock
// APIs (in-house wrappers), paths to ignore, the Rust edition. Anything it does not know is an
// error, never silently ignored: a misspelt rule id would otherwise switch nothing off.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { AccessMode, Edition, LockKind, RuleSetting } from './model.js';
import { findRule } from './catalogue.js';
import { findSuppressionRule } from './suppressions.js';

export const CONFIG_FILE = 'lockscope.config.json';

/** In-house Rust lock APIs, for wrappers whose body the analysis cannot see through. */
export interface RustExtraLockApis {
  /** Lock types that behave like a known kind, e.g. `{ "TrackedMutex": "Mutex" }`. */
  readonly lockTypes: Readonly<Record<string, LockKind>>;
  /**
   * Guard types and the access they hold, e.g. `{ "Guard": "exclusive" }`: a function declared
   * to return one (`fn locked(&self) -> Guard`) is an acquisition at every call site.
   */
  readonly guardTypes: Readonly<Record<string, AccessMode>>;
}

/**
 * In-house TS/JS lock libraries: module name → export name → method → how the method holds the
 * lock (`releaser`, `released-by-lock`, `callback`, `keyed-callback`, each optionally `:shared`),
 * or `release` for the lock's own release method.
 */
export type TsExtraLockApis = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>>;

/** How a configured TS/JS method may hold its lock; `release` names the lock's release method. */
export const TS_HOLD_STYLES: readonly string[] = ['releaser', 'released-by-lock', 'callback', 'keyed-callback', 'release'];

export interface ExtraLockApis {
  readonly rust: RustExtraLockApis;
  readonly ts: TsExtraLockApis;
}

export interface LockscopeConfig {
  /** Absolute path of the file it was read from. */
  readonly file: string;
  readonly rules: Readonly<Record<string, RuleSetting>>;
  readonly edition?: Edition;
  /** `.gitignore`-style patterns, relative to the config file's directory. */
  readonly ignore: readonly string[];
  readonly extraLockApis: ExtraLockApis;
}

/** A configuration the user must fix; the CLI prints it and exits 2. */
export class ConfigError extends Error {}

const LOCK_KINDS: readonly LockKind[] = ['Mutex', 'RwLock', 'ReentrantMutex', 'RefCell', 'DashMap', 'DashSet'];
const ACCESS_MODES: readonly AccessMode[] = ['shared', 'upgradable', 'exclusive'];
const SETTINGS: readonly RuleSetting[] = ['off', 'warn', 'error'];
const EDITIONS: readonly Edition[] = [2015, 2018, 2021, 2024];

/** The nearest `lockscope.config.json` in `cwd` or above it. */
export function findConfigFile(cwd: string): string | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkKeys(where: string, value: Record<string, unknown>, known: readonly string[], fail: (message: string) => never): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail(`unknown key "${key}" in ${where}; the known keys are ${known.map((k) => `"${k}"`).join(', ')}`);
  }
}

function stringMap<T extends string>(where: string, value: unknown, allowed: readonly T[], fail: (message: string) => never): Record<string, T> {
  if (value === undefined) return {};
  if (!isObject(value)) fail(`${where} must be an object mapping type names to one of ${allowed.join(', ')}`);
  const out: Record<string, T> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`${where}: "${name}" is not a Rust type name`);
    if (!allowed.includes(v as T)) fail(`${where}.${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    out[name] = v as T;
  }
  return out;
}

/** `extraLockApis.ts`: `{ "module": { "Export": { "method": "style" } } }`, checked to the last level. */
function tsLockApis(value: unknown, fail: (message: string) => never): TsExtraLockApis {
  const where = '"extraLockApis.ts"';
  const shape = `${where} must map module names to exports, exports to methods, and methods to one of ${TS_HOLD_STYLES.join(', ')} (optionally with ":shared")`;
  if (!isObject(value)) fail(shape);
  const out: Record<string, Record<string, Record<string, string>>> = {};
  for (const [module, exports] of Object.entries(value)) {
    if (!isObject(exports)) fail(shape);
    out[module] = {};
    for (const [name, methods] of Object.entries(exports)) {
      if (!/^(default|[A-Za-z_$][\w$]*)$/.test(name)) fail(`${where}.${module}: "${name}" is not an export name`);
      if (!isObject(methods) || Object.keys(methods).length === 0) fail(shape);
      out[module][name] = {};
      for (const [method, style] of Object.entries(methods)) {
        if (!/^[A-Za-z_$][\w$]*$/.test(method)) fail(`${where}.${module}.${name}: "${method}" is not a method name`);
        const [base, mode, ...rest] = typeof style === 'string' ? style.split(':') : [];
        if (!TS_HOLD_STYLES.includes(base) || rest.length > 0 || (mode !== undefined && (mode !== 'shared' || base === 'release'))) {
          fail(`${where}.${module}.${name}.${method} must be one of ${TS_HOLD_STYLES.join(', ')} (optionally with ":shared"), got ${JSON.stringify(style)}`);
        }
        out[module][name][method] = style as string;
      }
    }
  }
  return out;
}

/** More `ignore` patterns than this are refused (see below). */
export const MAX_IGNORE_PATTERNS = 10_000;

/** Parses and validates a configuration's text; `file` is used in messages and to anchor `ignore`. */
export function parseConfig(text: string, file: string, cwd: string): LockscopeConfig {
  const shown = relative(cwd, file) || file;
  const fail = (message: string): never => {
    throw new ConfigError(`${shown}: ${message}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(raw)) return fail('the configuration must be a JSON object');
  checkKeys('the configuration', raw, ['$schema', 'rules', 'edition', 'ignore', 'extraLockApis'], fail);

  const rules: Record<string, RuleSetting> = {};
  if (raw.rules !== undefined) {
    if (!isObject(raw.rules)) fail('"rules" must be an object mapping rule ids to "off", "warn" or "error"');
    for (const [id, setting] of Object.entries(raw.rules as Record<string, unknown>)) {
      if (!findRule(id) && !findSuppressionRule(id)) fail(`unknown rule "${id}" in "rules"; \`lockscope rules\` lists them`);
      if (!SETTINGS.includes(setting as RuleSetting)) fail(`rule "${id}" must be "off", "warn" or "error", got ${JSON.stringify(setting)}`);
      rules[id] = setting as RuleSetting;
    }
  }

  let edition: Edition | undefined;
  if (raw.edition !== undefined) {
    const n = typeof raw.edition === 'string' ? Number(raw.edition) : raw.edition;
    if (!EDITIONS.includes(n as Edition)) fail(`"edition" must be 2015, 2018, 2021 or 2024, got ${JSON.stringify(raw.edition)}`);
    edition = n as Edition;
  }

  let ignore: string[] = [];
  if (raw.ignore !== undefined) {
    if (!Array.isArray(raw.ignore) || raw.ignore.some((p) => typeof p !== 'string')) fail('"ignore" must be an array of .gitignore-style patterns');
    // The `ignore` package compiles a regular expression per pattern: 120,000 patterns take 10 s
    // and 300,000 exhaust Node's default heap. A configuration in a pull request must not be able
    // to stall or crash the CI step, and no real project needs this many.
    if ((raw.ignore as unknown[]).length > MAX_IGNORE_PATTERNS) {
      fail(`"ignore" has ${(raw.ignore as unknown[]).length} patterns; at most ${MAX_IGNORE_PATTERNS} are accepted (use directory patterns such as "generated/")`);
    }
    ignore = raw.ignore as string[];
  }

  let extra: ExtraLockApis = { rust: { lockTypes: {}, guardTypes: {} }, ts: {} };
  if (raw.extraLockApis !== undefined) {
    if (!isObject(raw.extraLockApis)) fail('"extraLockApis" must be an object with a "rust" and/or a "ts" key');
    const apis = raw.extraLockApis as Record<string, unknown>;
    checkKeys('"extraLockApis"', apis, ['rust', 'ts'], fail);
    if (apis.rust !== undefined) {
      if (!isObject(apis.rust)) fail('"extraLockApis.rust" must be an object with "lockTypes" and/or "guardTypes"');
      const rust = apis.rust as Record<string, unknown>;
      checkKeys('"extraLockApis.rust"', rust, ['lockTypes', 'guardTypes'], fail);
      extra = {
        ...extra,
        rust: {
          lockTypes: stringMap('"extraLockApis.rust.lockTypes"', rust.lockTypes, LOCK_KINDS, fail),
          guardTypes: stringMap('"extraLockApis.rust.guardTypes"', rust.guardTypes, ACCESS_MODES, fail),
        },
      };
    }
    if (apis.ts !== undefined) extra = { ...extra, ts: tsLockApis(apis.ts, fail) };
  }
  return { file, rules, edition, ignore, extraLockApis: extra };
}

/** Reads the nearest configuration above `cwd`; `undefined` when there is none. */
export function loadConfig(cwd: string): LockscopeConfig | undefined {
  const file = findConfigFile(cwd);
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${relative(cwd, file) || file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseConfig(text, file, cwd);
}
