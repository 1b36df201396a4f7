// Builds every Rust fixture against the real crates and runs each case (rust-cases.ts) in its own
// process: a generated binary in a copy of fixtures/ground-truth-rust (its Cargo.lock pins the
// crates), where each single-file fixture is `include!`d into a module of its own (so directives
// reach its private items) and each crate fixture is a path dependency with its own edition.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onEveryCore, runProcess } from './pool.js';
import { type RustCase, type RustFixture, rustFixtures } from './rust-cases.js';
import { suggestionFixtures } from './rust-suggestions.js';
import type { CaseResult, Outcome, ScenarioResult } from './verdicts.js';

export interface RustRun {
  readonly fixtures: readonly RustFixture[];
  readonly cases: readonly CaseResult[];
}

interface Scenario {
  readonly caseIndex: number;
  readonly label: string;
  readonly fn: string;
  readonly code: string;
}

const MAKE = '{ #[allow(unused_imports)] use ::lockscope_ground_truth::{NoDefault as _, ViaDefault as _}; (&::lockscope_ground_truth::Maker::<TYPE>::new()).make() }';

/** A default for a parameter; a type without `Default` fails the scenario at run time, not the build. */
function argumentFor(type: string): string {
  if (/^&\s*('\w+\s+)?str$/.test(type)) return '""';
  if (/^&\s*('\w+\s+)?\[/.test(type)) return '&[]';
  const ref = /^&\s*('\w+\s+)?(mut\s+)?/.exec(type);
  const inner = ref ? type.slice(ref[0].length) : type;
  const value = /\b(impl|dyn)\b|^\(|^_$/.test(inner) ? '::core::default::Default::default()' : MAKE.replace('TYPE', inner);
  return ref ? `&${ref[2] ? 'mut ' : ''}${value}` : value;
}

function defaultCall(c: RustCase): string {
  const args = c.paramTypes.map(argumentFor).join(', ');
  const call = c.receiver !== 'none' ? `s.${c.name}(${args})` : c.owner ? `${c.owner}::${c.name}(${args})` : `${c.name}(${args})`;
  return c.isAsync ? `${call}.await` : call;
}

/** `let s = …;` for the case's receiver; `shared` leaks it so two threads can use it. */
function bindReceiver(c: RustCase, shared: boolean): string {
  if (!c.owner || (c.receiver === 'none' && !c.receiverExpr)) return '';
  // Written as `(&Maker::<T>::new()).make()` so a type without `Default` fails its scenarios, not the build.
  const make = c.receiverExpr ?? MAKE.replace('TYPE', c.owner);
  if (shared) return `let s: &'static ${c.owner} = Box::leak(Box::new(${make}));`;
  if (c.receiver === 'mut') return `let mut __owned = ${make}; let s = &mut __owned;`;
  if (c.receiver === 'value') return `let s = ${make};`;
  return `let __owned = ${make}; let s = &__owned;`;
}

function others(c: RustCase): string {
  return c.concurrently.map((p) => `\`${p}\``).join(' and ');
}

function otherPaths(c: RustCase): string {
  return c.concurrently.map((p) => `, Box::new(move || { ${p}; })`).join('');
}

function scenariosOf(c: RustCase, caseIndex: number, fnPrefix: string): Scenario[] {
  if (c.skip !== undefined) return [];
  const bodies = c.runs.length > 0 ? c.runs : [defaultCall(c)];
  const out: Scenario[] = [];
  const add = (label: string, code: string) => out.push({ caseIndex, label, fn: `${fnPrefix}_${out.length}`, code });
  bodies.forEach((body, i) => {
    const tag = bodies.length > 1 ? ` #${i + 1}` : '';
    if (c.isAsync) {
      add(`alone${tag}`, `::lockscope_ground_truth::alone(move || ::lockscope_ground_truth::block_on(async move { ${bindReceiver(c, false)} { ${body}; } }))`);
      if (c.receiver === 'ref' || c.receiver === 'none') {
        add(
          `two joined${tag}`,
          `::lockscope_ground_truth::alone(move || ::lockscope_ground_truth::block_on(async move { ${bindReceiver(c, false)} ::tokio::join!(async { ${body}; }, async { ${body}; }); }))`,
        );
      }
      if (c.concurrently.length > 0) {
        add(
          `against ${others(c)}${tag}`,
          `{ ${bindReceiver(c, true)} let __rt = ::lockscope_ground_truth::runtime(); ::lockscope_ground_truth::concurrently(vec![Box::new(move || __rt.block_on(async { ${body}; }))${otherPaths(c)}]) }`,
        );
      }
    } else {
      add(`alone${tag}`, `::lockscope_ground_truth::alone(move || { ${bindReceiver(c, false)} { ${body}; } })`);
      if (c.concurrently.length > 0 || c.repeat) {
        add(
          c.concurrently.length > 0 ? `against ${others(c)}${tag}` : `repeated${tag}`,
          `{ ${bindReceiver(c, true)} ::lockscope_ground_truth::concurrently(vec![Box::new(move || { ${body}; })${otherPaths(c)}]) }`,
        );
      }
    }
  });
  return out;
}

function moduleIdent(name: string): string {
  return name.replace(/\.rs$/, '').replace(/[^A-Za-z0-9_]/g, '_');
}

interface Generated {
  readonly scenarios: Scenario[];
  readonly allCases: RustCase[];
}

function generate(fixturesDir: string, crateDir: string, committedDir: string, fixtures: readonly RustFixture[]): Generated {
  const scenarios: Scenario[] = [];
  const allCases: RustCase[] = [];
  const modules: string[] = [];
  const pathDeps: string[] = [];
  for (const f of fixtures) {
    if (f.notCompiled !== undefined) {
      allCases.push(...f.cases);
      continue;
    }
    const mod = moduleIdent(f.name);
    const fns: string[] = [];
    for (const c of f.cases) {
      const index = allCases.push(c) - 1;
      for (const s of scenariosOf(c, index, `__gt_${index}`)) {
        scenarios.push(s);
        fns.push(`    pub fn ${s.fn}() { ${s.code} }`);
      }
    }
    if (f.kind === 'file') {
      modules.push(`#[allow(warnings, clippy::all)]\npub mod ${mod} {\n    include!(${JSON.stringify(f.path ?? join(fixturesDir, f.name))});\n${fns.join('\n')}\n}`);
    } else {
      const dir = f.path ?? join(fixturesDir, f.name);
      const manifest = readFileSync(join(dir, 'Cargo.toml'), 'utf8');
      const pkg = /^\s*name\s*=\s*"([^"]+)"/m.exec(manifest)![1];
      pathDeps.push(`${JSON.stringify(pkg)} = { path = ${JSON.stringify(dir)} }`);
      modules.push(`#[allow(warnings, clippy::all)]\npub mod ${mod} {\n    use ${f.crateIdent}::*;\n${fns.join('\n')}\n}`);
    }
  }
  const calls = scenarios.map((s, i) => `        "${i}" => ${moduleIdent(fixtureOf(fixtures, allCases[s.caseIndex]))}::${s.fn}(),`);
  const main = [
    '// Generated by scripts/ground-truth/rust.ts: one function per scenario, chosen by argv[1].',
    ...modules,
    'fn main() {',
    '    let id = std::env::args().nth(1).expect("a scenario number");',
    '    match id.as_str() {',
    ...calls,
    '        _ => panic!("no scenario {id}"),',
    '    }',
    '}',
    '',
  ].join('\n');
  const committed = readFileSync(join(committedDir, 'Cargo.toml'), 'utf8');
  const manifest = committed
    .replace('[dependencies]\n', `[dependencies]\n${pathDeps.join('\n')}\n`)
    .concat(`\n[lib]\npath = ${JSON.stringify(join(committedDir, 'src/lib.rs'))}\n\n[[bin]]\nname = "ground-truth-cases"\npath = "main.rs"\n`);
  mkdirSync(crateDir, { recursive: true });
  writeIfChanged(join(crateDir, 'Cargo.toml'), manifest);
  writeIfChanged(join(crateDir, 'main.rs'), main);
  // cargo adds the path dependencies to the copy; the registry versions stay as committed.
  const lock = join(crateDir, 'Cargo.lock');
  if (!existsSync(lock) || statSync(lock).mtimeMs < statSync(join(committedDir, 'Cargo.lock')).mtimeMs) copyFileSync(join(committedDir, 'Cargo.lock'), lock);
  return { scenarios, allCases };
}

/** Unchanged files keep their times, so cargo does not rebuild what it already built. */
function writeIfChanged(file: string, text: string): void {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  writeFileSync(file, text);
}

function fixtureOf(fixtures: readonly RustFixture[], c: RustCase): string {
  return fixtures.find((f) => f.cases.includes(c))!.name;
}

function parseOutcome(stdout: string, killed: boolean): { outcome: Outcome; detail?: string } {
  if (killed) return { outcome: 'hung', detail: 'killed by the backstop limit' };
  const m = /^outcome: (completed|hung|panicked|failed)(?:: (.*))?$/m.exec(stdout);
  if (!m) return { outcome: 'failed', detail: `no outcome line: ${stdout.slice(0, 200)}` };
  return { outcome: m[1] as Outcome, detail: m[2] };
}

export async function runRustGroundTruth(root: string, log: (line: string) => void): Promise<RustRun> {
  const fixturesDir = join(root, 'fixtures/rust');
  const committedDir = join(root, 'fixtures/ground-truth-rust');
  const work = join(root, 'target/ground-truth');
  const original = rustFixtures(fixturesDir);
  const fixtures = [...original, ...suggestionFixtures(fixturesDir, work, original)];
  const { scenarios, allCases } = generate(fixturesDir, join(work, 'crate'), committedDir, fixtures);
  log(`Rust: building ${scenarios.length} scenarios of ${allCases.length} cases (cargo, crates from Cargo.lock)…`);
  const env = { ...process.env, CARGO_TARGET_DIR: join(work, 'build'), RUSTFLAGS: '--cap-lints=allow', CARGO_TERM_COLOR: 'never' };
  const build = await runProcess('cargo', ['build', '--quiet', '--manifest-path', join(work, 'crate/Cargo.toml')], { env, limitMs: 30 * 60_000 });
  if (build.code !== 0) {
    throw new Error(
      `The Rust fixtures did not build (the generated crate is ${join(work, 'crate')}; a case that cannot be called with defaults needs a \`// ground-truth: run …\` directive, see fixtures/rust/GROUND_TRUTH.md):\n${build.stderr}`,
    );
  }
  const binary = join(work, 'build/debug/ground-truth-cases');
  const outcomes = await onEveryCore(scenarios, async (s, i) => {
    const run = await runProcess(binary, [String(i)], { limitMs: 20_000 });
    return { caseIndex: s.caseIndex, label: s.label, ...parseOutcome(run.stdout, run.killed) };
  });
  const byCase = new Map<number, ScenarioResult[]>();
  for (const o of outcomes) byCase.set(o.caseIndex, [...(byCase.get(o.caseIndex) ?? []), { label: o.label, outcome: o.outcome, detail: o.detail }]);
  const notCompiled = new Map(fixtures.flatMap((f) => (f.notCompiled !== undefined ? f.cases.map((c) => [c, f.notCompiled!] as const) : [])));
  const cases: CaseResult[] = allCases.map((c, i) => ({
    file: c.file,
    name: c.name,
    line: c.line,
    positive: c.positive,
    marks: c.marks,
    scenarios: byCase.get(i) ?? [],
    skipped: c.skip ?? notCompiled.get(c),
  }));
  return { fixtures, cases };
}
