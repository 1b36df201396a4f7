// `lockscope` command line: check, rules, explain. Exit 0: no finding at or above --fail-on;
// 1: findings; 2: usage or input error.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BaselineError } from '../core/baseline.js';
import { RULES, findRule } from '../core/catalogue.js';
import { ConfigError } from '../core/config.js';
import type { Io } from '../core/io.js';
import { describeIoError } from '../core/io-errors.js';
import type { RuleSetting } from '../core/model.js';
import { packageRoot } from '../core/package-root.js';
import { WriteError } from '../core/safe-write.js';
import { findSuppressionRule } from '../core/suppressions.js';
import { runCheck, type CheckOptions } from './check.js';
import { StagedError } from './staged.js';
import { visible } from './terminal-text.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

const USAGE = `Usage:
  lockscope check [paths…] [options]   analyse .rs, .ts, .tsx, .js, .mjs, .cjs files below the paths
  lockscope semgrep [options]          write the rules as a Semgrep pack (\`lockscope semgrep --help\`)
  lockscope rules                      list the rules
  lockscope explain <rule-id>          print a rule's documentation

Options for check:
  --format text|json|sarif|github      output format (default: text; github: workflow annotations)
  --fail-on error|warn|off             lowest severity that makes the exit status 1 (default: error)
  --edition 2015|2018|2021|2024        override the Rust edition read from Cargo.toml
  --rule <id>=off|warn|error           change a rule's severity (repeatable; wins over lockscope.config.json)
  --staged                             analyse the crates/packages of the files staged in git,
                                       report only findings in the staged files
  --baseline FILE                      report only findings that are not in FILE
  --write-baseline FILE                record the current findings in FILE and exit 0
  --include-generated                  also analyse minified and bundled JS (*.min.js, a .js line over
                                       5,000 characters, a sourceMappingURL trailer): skipped with a note by default
  --quiet                              print findings only, no notes or summary
  --no-color                           no ANSI colours (NO_COLOR is respected too)
  -h, --help                           show this help
  --version                            print the version

lockscope.config.json, in the working directory or the nearest one above it, sets rule severities,
the Rust edition, paths to ignore and extra lock APIs; \`// lockscope-ignore-next-line <rule> -- <reason>\`
suppresses a finding on the next line.`;

class UsageError extends Error {}

const CHECK_FLAGS = ['--format', '--fail-on', '--edition', '--rule', '--quiet', '--no-color', '--staged', '--baseline', '--write-baseline', '--include-generated', '--help', '--version'];

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** `--stagd` → `--staged`: the nearest known flag within two edits, as cargo and git suggest. */
export function didYouMean(given: string, known: readonly string[]): string | undefined {
  const name = given.split('=')[0];
  let best: { flag: string; distance: number } | undefined;
  for (const flag of known) {
    const distance = editDistance(name, flag);
    if (distance <= 2 && (!best || distance < best.distance)) best = { flag, distance };
  }
  return best?.flag;
}

/** Node's parser error for an unknown flag, as one line with a suggestion instead of its advice. */
function unknownFlagMessage(error: Error, known: readonly string[]): string | undefined {
  const m = /^Unknown option '([^']+)'/.exec(error.message);
  if (!m) return undefined;
  const suggestion = didYouMean(m[1], known);
  return `unknown option ${m[1]}${suggestion ? `; did you mean ${suggestion}?` : ''} (\`lockscope check --help\` lists the options)`;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTty: Boolean(process.stdout.isTTY),
  env: process.env,
  cwd: process.cwd(),
  progress: process.stderr.isTTY ? (line) => process.stderr.write(line === undefined ? '\r\u001b[K' : `\r\u001b[K${line}`) : undefined,
};

function parseRuleSettings(values: readonly string[]): Record<string, RuleSetting> {
  const settings: Record<string, RuleSetting> = {};
  for (const value of values) {
    const m = /^([a-z-]+)=(off|warn|error)$/.exec(value);
    if (!m) throw new UsageError(`--rule expects <id>=off|warn|error, got "${value}"`);
    if (!findRule(m[1]) && !findSuppressionRule(m[1])) throw new UsageError(`unknown rule "${m[1]}"; \`lockscope rules\` lists them`);
    settings[m[1]] = m[2] as RuleSetting;
  }
  return settings;
}

function checkOptions(args: string[], io: Io): CheckOptions {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string', default: 'error' },
      edition: { type: 'string' },
      rule: { type: 'string', multiple: true, default: [] },
      quiet: { type: 'boolean', default: false },
      'no-color': { type: 'boolean', default: false },
      staged: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'write-baseline': { type: 'string' },
      'include-generated': { type: 'boolean', default: false },
    },
  });
  const format = values.format;
  if (format !== 'text' && format !== 'json' && format !== 'sarif' && format !== 'github') {
    throw new UsageError(`--format must be text, json, sarif or github, got "${format}"`);
  }
  if (values.staged && positionals.length > 0) throw new UsageError('--staged takes no paths: it analyses what is staged in git');
  if (values.baseline !== undefined && values['write-baseline'] !== undefined) {
    throw new UsageError('--baseline and --write-baseline cannot be combined: --write-baseline alone records every current finding');
  }
  const failOn = values['fail-on'];
  if (failOn !== 'error' && failOn !== 'warn' && failOn !== 'off') throw new UsageError(`--fail-on must be error, warn or off, got "${failOn}"`);
  let edition: 2015 | 2018 | 2021 | 2024 | undefined;
  if (values.edition !== undefined) {
    const n = Number(values.edition);
    if (n !== 2015 && n !== 2018 && n !== 2021 && n !== 2024) throw new UsageError(`--edition must be 2015, 2018, 2021 or 2024, got "${values.edition}"`);
    edition = n;
  }
  return {
    paths: positionals.length > 0 ? positionals : ['.'],
    format,
    failOn,
    edition,
    rules: parseRuleSettings(values.rule ?? []),
    quiet: values.quiet ?? false,
    // https://no-color.org: any non-empty NO_COLOR turns colour off.
    color: !values['no-color'] && io.isTty && !io.env.NO_COLOR && format === 'text',
    cwd: io.cwd,
    staged: values.staged ?? false,
    baseline: values.baseline,
    writeBaseline: values['write-baseline'],
    includeGenerated: values['include-generated'] ?? false,
    progress: io.progress,
  };
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(USAGE);
        return command === undefined ? EXIT_USAGE : EXIT_OK;
      case '--version': {
        const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string };
        io.stdout(pkg.version);
        return EXIT_OK;
      }
      case 'rules':
        for (const rule of RULES) io.stdout(`${rule.id.padEnd(24)} ${rule.language.padEnd(5)} ${rule.defaultSetting.padEnd(6)} ${rule.summary}`);
        return EXIT_OK;
      case 'explain': {
        const id = rest[0];
        if (!id || !findRule(id)) throw new UsageError(id ? `unknown rule "${id}"; \`lockscope rules\` lists them` : 'explain needs a rule id');
        io.stdout(readFileSync(`${packageRoot()}/docs/rules/${id}.md`, 'utf8'));
        return EXIT_OK;
      }
      case 'check': {
        if (rest.includes('-h') || rest.includes('--help')) {
          io.stdout(USAGE);
          return EXIT_OK;
        }
        return await runCheck(checkOptions(rest, io), io);
      }
      case 'semgrep':
        // Loaded on demand, like the TS front end, so that `check` does not pay for it.
        return await (await import('../semgrep/command.js')).runSemgrepCommand(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const message = unknownFlagMessage(error as Error, CHECK_FLAGS);
      if (message) {
        io.stderr(`lockscope: ${visible(message)}`);
        return EXIT_USAGE;
      }
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`lockscope: ${visible((error as Error).message)}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError || error instanceof BaselineError || error instanceof StagedError || error instanceof WriteError) {
      io.stderr(`lockscope: ${visible(error.message)}`);
      return EXIT_USAGE;
    }
    // Exit 1 means "findings": a crash must never read as one in CI. An I/O error is one line;
    // anything else is a bug in lockscope, with the stack only when asked for.
    const e = error as NodeJS.ErrnoException;
    if (typeof e?.code === 'string' && typeof e.syscall === 'string') {
      io.stderr(`lockscope: ${e.syscall}${e.path ? ` ${visible(e.path)}` : ''}: ${describeIoError(e)}`);
      return EXIT_USAGE;
    }
    io.stderr(`lockscope: internal error: ${visible(String(e?.message ?? error))}${io.env.LOCKSCOPE_DEBUG ? `\n${String(e?.stack)}` : ' (set LOCKSCOPE_DEBUG=1 for the stack; please report it)'}`);
    return EXIT_USAGE;
  }
}

export { UsageError };
