// Seeded, reproducible mutations of the fixtures. A case is named by (fixture, mutator, index)
// and a run seed; the same triple always yields the same bytes, so a failure can be replayed
// with `node dist/bench/fuzz.js --seed S --only <case id>`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** splitmix32: small, fast, and good enough to spread mutations over a file. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 0x1_0000_0000;
  };
}

/** A stable 32-bit hash of a case name, mixed with the run seed. */
export function caseSeed(runSeed: number, name: string): number {
  let h = (runSeed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export type Language = 'rust' | 'ts';

/**
 * One fixture as the unit it is analysed in: a standalone `.rs` file, a crate directory
 * (Cargo.toml and sources), or a TS/JS file with its sibling files (imports resolve to them).
 */
export interface FixtureUnit {
  readonly language: Language;
  /** Name in case ids: the path below `fixtures/`. */
  readonly name: string;
  /** Files of the unit, relative to its root, with their bytes. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** The file that is mutated, relative to the unit root. */
  readonly target: string;
  /** Files the analysis is asked about, relative to the unit root. */
  readonly analysed: readonly string[];
}

const RUST_SOURCE = /\.rs$/;
const TS_SOURCE = /\.(?:ts|tsx|js|mjs|cjs|mts|cts)$/;

function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) stack.push(path);
      else out.push(path);
    }
  }
  return out.sort();
}

/** Every fixture file of `fixtures/rust` and `fixtures/ts`, each as the target of one unit. */
export function fixtureUnits(root: string): FixtureUnit[] {
  const units: FixtureUnit[] = [];
  const rustDir = join(root, 'fixtures/rust');
  for (const entry of readdirSync(rustDir).sort()) {
    const path = join(rustDir, entry);
    if (statSync(path).isDirectory()) {
      const all = filesBelow(path);
      const files = new Map(all.map((f) => [relative(path, f), readFileSync(f)]));
      const sources = [...files.keys()].filter((f) => RUST_SOURCE.test(f));
      for (const target of sources) {
        units.push({ language: 'rust', name: `rust/${entry}/${target}`, files, target, analysed: sources });
      }
    } else if (RUST_SOURCE.test(entry)) {
      units.push({ language: 'rust', name: `rust/${entry}`, files: new Map([[entry, readFileSync(path)]]), target: entry, analysed: [entry] });
    }
  }
  const tsDir = join(root, 'fixtures/ts');
  const byDir = new Map<string, string[]>();
  for (const file of filesBelow(tsDir)) {
    if (!TS_SOURCE.test(file) || file.endsWith('.d.ts')) continue;
    const dir = join(file, '..');
    byDir.set(dir, [...(byDir.get(dir) ?? []), file]);
  }
  for (const [dir, sources] of [...byDir].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const files = new Map(sources.map((f) => [relative(dir, f), readFileSync(f)]));
    for (const source of sources) {
      const target = relative(dir, source);
      units.push({ language: 'ts', name: `ts/${relative(tsDir, source)}`, files, target, analysed: [target] });
    }
  }
  return units;
}

// ---- tokens ------------------------------------------------------------------------------

/**
 * A language-agnostic lexer over bytes (as latin1, one char per byte): identifiers (UTF-8
 * sequences stay inside them), numbers, simple string literals, whitespace runs, and single
 * punctuation. Good enough to cut code at token boundaries for both Rust and TS/JS.
 */
const TOKEN = /[A-Za-z_\x80-\xff][\w\x80-\xff]*|\d[\w.]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`|\s+|[^]/g;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export const MUTATORS = ['delete-tokens', 'duplicate-tokens', 'swap-tokens', 'unbalanced-braces', 'random-bytes', 'truncate'] as const;
export type Mutator = (typeof MUTATORS)[number];

const BRACES = ['{', '}', '(', ')', '[', ']', '<', '>', '|', '"', "'", '/*', '*/', '#[', 'r#"', '`', '${'];

function range(rand: () => number, length: number, maxSpan: number): [number, number] {
  const start = Math.floor(rand() * length);
  const span = 1 + Math.floor(rand() * maxSpan);
  return [start, Math.min(length, start + span)];
}

/**
 * The mutated bytes of `unit.target` for case `index` of `mutator`. `truncate` is not random:
 * case `i` keeps the first `100 * (i + 1)` bytes.
 */
export function mutate(source: Buffer, mutator: Mutator, seed: number, index: number): Buffer {
  if (mutator === 'truncate') return source.subarray(0, Math.min(source.length, 100 * (index + 1)));
  const rand = random(seed);
  const text = source.toString('latin1');
  if (mutator === 'random-bytes') {
    const bytes = Buffer.from(source);
    const edits = 1 + Math.floor(rand() * 16);
    // Half the cases stay ASCII so that they reach the parser instead of the UTF-8 check.
    const ascii = rand() < 0.5;
    const out: number[] = [...bytes];
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * (out.length + 1));
      const byte = ascii ? 0x20 + Math.floor(rand() * 0x5f) : Math.floor(rand() * 256);
      if (rand() < 0.5 && at < out.length) out[at] = byte;
      else out.splice(at, 0, byte);
    }
    return Buffer.from(out);
  }
  const tokens = tokenize(text);
  if (tokens.length === 0) return source;
  const maxSpan = 1 + Math.floor(rand() * (rand() < 0.2 ? 64 : 8));
  switch (mutator) {
    case 'delete-tokens': {
      const [a, b] = range(rand, tokens.length, maxSpan);
      tokens.splice(a, b - a);
      break;
    }
    case 'duplicate-tokens': {
      const [a, b] = range(rand, tokens.length, maxSpan);
      const at = rand() < 0.5 ? b : Math.floor(rand() * (tokens.length + 1));
      tokens.splice(at, 0, ...tokens.slice(a, b));
      break;
    }
    case 'swap-tokens': {
      const [a, b] = range(rand, tokens.length, maxSpan);
      const [c, d] = range(rand, tokens.length, maxSpan);
      if (b <= c || d <= a) {
        const [first, second] = b <= c ? [[a, b], [c, d]] : [[c, d], [a, b]];
        const left = tokens.slice(first[0], first[1]);
        const right = tokens.slice(second[0], second[1]);
        tokens.splice(second[0], second[1] - second[0], ...left);
        tokens.splice(first[0], first[1] - first[0], ...right);
      } else {
        [tokens[a], tokens[c]] = [tokens[c], tokens[a]];
      }
      break;
    }
    case 'unbalanced-braces': {
      const inserts = 1 + Math.floor(rand() * 5);
      for (let i = 0; i < inserts; i++) {
        const at = Math.floor(rand() * (tokens.length + 1));
        tokens.splice(at, 0, BRACES[Math.floor(rand() * BRACES.length)].repeat(1 + Math.floor(rand() * 3)));
      }
      break;
    }
    default:
      break;
  }
  return Buffer.from(tokens.join(''), 'latin1');
}

/** One mutation case, small enough to send to a child process that rebuilds the bytes. */
export interface MutationCase {
  readonly kind: 'mutation';
  readonly id: string;
  readonly unit: string;
  readonly mutator: Mutator;
  readonly index: number;
  readonly seed: number;
}

export interface MutationPlan {
  /** Random cases per (fixture file, random mutator). */
  readonly perMutator: number;
  /** Truncate at every `truncateStride`-th multiple of 100 bytes (1: every 100th byte). */
  readonly truncateStride: number;
}

export function mutationCases(units: readonly FixtureUnit[], runSeed: number, plan: MutationPlan): MutationCase[] {
  const cases: MutationCase[] = [];
  for (const unit of units) {
    for (const mutator of MUTATORS) {
      const count = mutator === 'truncate' ? Math.ceil(unit.files.get(unit.target)!.length / 100) - 1 : plan.perMutator;
      for (let index = 0; index < count; index++) {
        if (mutator === 'truncate' && index % plan.truncateStride !== 0) continue;
        const id = `${unit.name}:${mutator}:${index}`;
        cases.push({ kind: 'mutation', id, unit: unit.name, mutator, index, seed: caseSeed(runSeed, id) });
      }
    }
  }
  return cases;
}
