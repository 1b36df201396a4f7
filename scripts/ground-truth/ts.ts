// Runs the TS/JS fixture cases against the real npm libraries (fixtures/ts/GROUND_TRUTH.md, "How a
// case is run"). Each fixture project under fixtures/ts/ is transpiled with `typescript` into
// target/ground-truth/ts/<project> (inside the repository, so imports resolve to its node_modules),
// and each scenario runs in a `node` process of its own.
//
// The convention: a case is a function or class method named `shouldTrigger…` /
// `shouldNotTrigger…`, or any function/method (or function assigned in a statement of its own,
// `C.prototype.m = function …`) with a `// ground-truth:` directive above it. A case
// is positive when an `expect:` or `miss:` mark lies inside it: it must hang. Other cases must
// complete (a rejection is completing: it is the case's error path). The default scenario builds
// `new Class()` (no arguments) once and calls the method twice, each call raced against a 1.5 s
// timer: a hang in the first call is a deadlock, a hang in the second a lock left held by the
// first. Directives: `// ground-truth: run <statements>` replaces that scenario (repeatable; the
// module's exports are in scope, `await step('label', promise)` races one step),
// `// ground-truth: skip -- why`. Cases that use Web Locks are not run (skipped with that
// reason): Node 20 has no `navigator.locks` and no spec-conformant implementation exists on npm
// (see GROUND_TRUTH.md); a Web Locks mark outside a case is listed as not run like any other.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { type Mark, readMarks } from '../../test/support/expectations.js';
import { onEveryCore, runProcess } from './pool.js';
import type { CaseResult, Outcome } from './verdicts.js';

const SOURCE = /\.(ts|tsx|js|mjs|cjs)$/;
const CASE_NAME = /^should(Not)?Trigger/;
const DIRECTIVE = /\/\/\s*ground-truth:\s*(run|skip)\b\s*(.*)$/;
const STEP_MS = 1500;
const WEB_LOCKS_USE = /navigator\.locks|\blocks\.request\(/;
export const WEB_LOCKS_NOTE =
  'Web Locks: Node 20 has no navigator.locks, and npm has no spec-conformant implementation (web-locks 0.0.9 ignores `mode` and has no ifAvailable/steal/query; web-locks-polyfill 0.0.13 takes no options)';

interface TsCase {
  readonly file: string;
  readonly name: string;
  readonly owner?: string;
  readonly line: number;
  readonly endLine: number;
  readonly runs: readonly string[];
  readonly skip?: string;
  readonly marks: readonly Mark[];
  readonly positive: boolean;
  /** Its class (or its own text, for a function) uses Web Locks. */
  readonly webLocks: boolean;
}

export interface TsRun {
  readonly cases: readonly CaseResult[];
  readonly strayMarks: readonly Mark[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(full);
    return SOURCE.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

function directives(lines: readonly string[], row: number, where: string): { runs: string[]; skip?: string } {
  const runs: string[] = [];
  let skip: string | undefined;
  for (let i = row - 1; i >= 0 && /^\s*(\/\/|@)/.test(lines[i]); i--) {
    const m = DIRECTIVE.exec(lines[i]);
    if (!m) {
      if (/\/\/\s*ground-truth:/.test(lines[i])) throw new Error(`${where}:${i + 1}: unknown ground-truth directive`);
      continue;
    }
    if (m[1] === 'run') runs.unshift(m[2]);
    else if (!/^--\s*\S/.test(m[2])) throw new Error(`${where}:${i + 1}: \`skip\` needs a reason after \`--\``);
    else skip = m[2].replace(/^--\s*/, '');
  }
  return { runs, skip };
}

function casesOf(file: string, shownAs: string): { cases: TsCase[]; stray: Mark[] } {
  const text = readFileSync(file, 'utf8');
  const lines = text.split(/\r?\n/);
  const marks = readMarks(file, shownAs);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const cases: TsCase[] = [];
  const visit = (node: ts.Node, owner?: string, ownerText?: string): void => {
    const named = (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name && ts.isIdentifier(node.name) ? node.name.text : undefined;
    // A function assigned where it is defined (`C.prototype.m = function …`, `exports.f = async
    // function …`) is a case by its directive: it is named by what it is assigned to.
    const assigned = assignedFunction(node);
    if (named !== undefined || assigned !== undefined) {
      const row = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const d = directives(lines, row, shownAs);
      if ((named !== undefined && CASE_NAME.test(named)) || d.runs.length > 0 || d.skip !== undefined) {
        const line = row + 1;
        const endLine = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
        const inside = marks.filter((m) => m.line >= line && m.line <= endLine);
        cases.push({
          file: shownAs,
          name: assigned ?? (owner ? `${owner}.${named}` : named!),
          owner: ts.isMethodDeclaration(node) ? owner : undefined,
          line,
          endLine,
          ...d,
          marks: inside,
          positive: inside.some((m) => m.kind === 'expect' || m.kind === 'miss'),
          webLocks: WEB_LOCKS_USE.test(ts.isMethodDeclaration(node) && ownerText ? ownerText : node.getText(source)),
        });
      }
    }
    const className = ts.isClassDeclaration(node) && node.name ? node.name.text : undefined;
    ts.forEachChild(node, (child) => visit(child, className ?? owner, className ? node.getText(source) : ownerText));
  };
  visit(source);
  const stray = marks.filter((m) => !cases.some((c) => m.line >= c.line && m.line <= c.endLine));
  return { cases, stray };
}

/** `C.prototype.m` of `C.prototype.m = function () {…};` (an expression statement assigning a function). */
function assignedFunction(node: ts.Node): string | undefined {
  if (!ts.isExpressionStatement(node) || !ts.isBinaryExpression(node.expression)) return undefined;
  const { left, operatorToken, right } = node.expression;
  if (operatorToken.kind !== ts.SyntaxKind.EqualsToken || !(ts.isFunctionExpression(right) || ts.isArrowFunction(right))) return undefined;
  return ts.isPropertyAccessExpression(left) || ts.isIdentifier(left) ? left.getText() : undefined;
}

/** CommonJS when the file requires and neither imports nor exports (a `.js` file's type is its folder's). */
function isCommonJs(text: string): boolean {
  return /\brequire\(/.test(text) && !/^\s*(import|export)\s/m.test(text);
}

/** Transpiles (or copies) every source file of a project; returns the output path of each. */
function emit(projectDir: string, outDir: string): Map<string, string> {
  const outputs = new Map<string, string>();
  const folderTypes = new Map<string, 'module' | 'commonjs'>();
  for (const file of sourceFiles(projectDir)) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(projectDir, file);
    let outRel = rel;
    let outText = text;
    if (/\.tsx?$/.test(rel)) {
      outRel = rel.replace(/\.tsx?$/, '.js');
      outText = ts.transpileModule(text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext }, fileName: file }).outputText;
      folderTypes.set(dirname(outRel), folderTypes.get(dirname(outRel)) ?? 'module');
    } else if (rel.endsWith('.js')) {
      folderTypes.set(dirname(outRel), isCommonJs(text) ? 'commonjs' : 'module');
    }
    const out = join(outDir, outRel);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outText);
    outputs.set(file, out);
  }
  for (const [folder, type] of folderTypes) writeFileSync(join(outDir, folder, 'package.json'), `${JSON.stringify({ type })}\n`);
  return outputs;
}

function driver(moduleFile: string, body: string): string {
  return `
const __m = await import(${JSON.stringify(pathToFileURL(moduleFile).href)});
const __ns = { ...(__m.default && typeof __m.default === 'object' ? __m.default : {}), ...__m };
const __names = Object.keys(__ns).filter((k) => /^[A-Za-z_$][\\w$]*$/.test(k) && k !== 'default' && k !== 'step');
const __keep = setInterval(() => {}, 1000);
let __threw;
const step = async (label, promise) => {
  const r = await Promise.race([
    Promise.resolve(promise).then(() => 'ok', (e) => { __threw = String(e && e.message || e); return 'threw'; }),
    new Promise((resolve) => setTimeout(() => resolve('hang'), ${STEP_MS})),
  ]);
  if (r === 'hang') { console.log('outcome: hung: ' + label); process.exit(0); }
  return r;
};
try {
  const __run = new Function('step', ...__names, ${JSON.stringify(`return (async () => { ${body} })();`)});
  await __run(step, ...__names.map((k) => __ns[k]));
} catch (e) {
  console.log('outcome: failed: ' + String(e && e.message || e).replace(/\\n/g, ' '));
  process.exit(0);
}
console.log('outcome: completed' + (__threw ? ': threw (' + __threw.replace(/\\n/g, ' ') + ')' : ''));
process.exit(0);
`;
}

function defaultBody(c: TsCase): string {
  const fn = c.name.split('.').pop()!;
  if (c.owner) {
    return `if (typeof ${c.owner} !== 'function') throw new Error('${c.owner} is not exported'); const s = new ${c.owner}(); await step('1st call', s.${fn}()); await step('2nd call', s.${fn}());`;
  }
  return `if (typeof ${fn} !== 'function') throw new Error('${fn} is not exported'); await step('1st call', ${fn}()); await step('2nd call', ${fn}());`;
}

export async function runTsGroundTruth(root: string, log: (line: string) => void): Promise<TsRun> {
  const fixturesDir = join(root, 'fixtures/ts');
  const work = join(root, 'target/ground-truth/ts');
  const projects = readdirSync(fixturesDir).filter((p) => p !== 'rule-tester' && statSync(join(fixturesDir, p)).isDirectory());
  const all: { c: TsCase; module: string }[] = [];
  const stray: Mark[] = [];
  for (const project of projects) {
    const outputs = emit(join(fixturesDir, project), join(work, project));
    for (const [file, out] of outputs) {
      const { cases, stray: s } = casesOf(file, relative(fixturesDir, file));
      stray.push(...s);
      for (const c of cases) all.push({ c, module: out });
    }
  }
  const scenarios = all.flatMap(({ c, module }, index) => {
    if (c.skip !== undefined || c.webLocks) return [];
    const bodies = c.runs.length > 0 ? c.runs.map((r, i) => ({ label: c.runs.length > 1 ? `run #${i + 1}` : 'run', body: r })) : [{ label: 'twice', body: defaultBody(c) }];
    return bodies.map((b) => ({ index, label: b.label, source: driver(module, b.body) }));
  });
  log(`TS/JS: running ${scenarios.length} scenarios of ${all.length} cases (node ${process.version}, one process each)…`);
  const outcomes = await onEveryCore(scenarios, async (s) => {
    const run = await runProcess(process.execPath, ['--input-type=module', '-e', s.source], { cwd: work, limitMs: 20_000 });
    const m = /^outcome: (completed|hung|failed)(?:: (.*))?$/m.exec(run.stdout);
    const outcome: Outcome = run.killed ? 'hung' : m ? (m[1] as Outcome) : 'failed';
    const detail = run.killed ? 'killed by the backstop limit' : m ? m[2] : `no outcome line: ${(run.stdout + run.stderr).slice(0, 300)}`;
    return { index: s.index, label: s.label, outcome, detail };
  });
  const cases: CaseResult[] = all.map(({ c }, index) => ({
    file: c.file,
    name: c.name,
    line: c.line,
    positive: c.positive,
    marks: c.marks,
    scenarios: outcomes.filter((o) => o.index === index).map((o) => ({ label: o.label, outcome: o.outcome, detail: o.detail })),
    skipped: c.skip ?? (c.webLocks ? WEB_LOCKS_NOTE : undefined),
  }));
  return { cases, strayMarks: stray };
}
