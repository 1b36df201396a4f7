// One measurement per process, so that peak memory is the measured job's own.
//   node dist/bench/measure.js analyze <paths…>   lockscope's Rust analysis, phase by phase
//   node dist/bench/measure.js floor <paths…>     read every .rs file, tree-sitter parse of those the
//                                                 text pre-filter selects: what any design must pay
//   node dist/bench/measure.js parse-all <paths…> tree-sitter parse of every .rs file
//   node dist/bench/measure.js parse-ts <paths…>  typescript-estree parse of every TS/JS file
import { parse as parseTs } from '@typescript-eslint/typescript-estree';
import { discoverFiles, readSourceFile } from '../src/core/discover.js';
import { mayLockInCode } from '../src/rust/lock-apis.js';
import { analyzeRustFiles } from '../src/rust/parallel.js';
import { parseRust } from '../src/rust/syntax.js';

const [mode, ...paths] = process.argv.slice(2);
const started = performance.now();
const found = discoverFiles(paths, process.cwd());

function parseEach(files: readonly string[], selected: (text: string) => boolean, parse: (text: string, file: string) => unknown): number {
  let parsed = 0;
  for (const file of files) {
    const read = readSourceFile(file);
    if (!read.ok || !selected(read.text)) continue;
    parse(read.text, file);
    parsed++;
  }
  return parsed;
}

const done = (fields: Record<string, unknown>): void =>
  console.log(JSON.stringify({ ...fields, ms: performance.now() - started, maxRssKb: process.resourceUsage().maxRSS }));

if (mode === 'analyze') {
  // The same entry point as `lockscope check`: worker threads on large inputs.
  const result = await analyzeRustFiles(found.rust, { cwd: process.cwd(), rules: {} });
  const byRule: Record<string, number> = {};
  for (const d of result.diagnostics) byRule[`${d.rule}/${d.severity}`] = (byRule[`${d.rule}/${d.severity}`] ?? 0) + 1;
  done({ files: result.files, parsedFiles: result.parsedFiles, lines: result.lines, bytes: result.bytes, phases: result.phases, findings: byRule, notes: result.notes.length });
} else if (mode === 'floor') {
  done({ files: found.rust.length, parsedFiles: parseEach(found.rust, mayLockInCode, parseRust) });
} else if (mode === 'parse-all') {
  done({ files: parseEach(found.rust, () => true, parseRust) });
} else if (mode === 'parse-ts') {
  done({ files: parseEach(found.ts, () => true, (text, filePath) => parseTs(text, { filePath, loc: true, range: true, jsx: filePath.endsWith('x') })) });
} else {
  console.error('usage: measure analyze|floor|parse-all|parse-ts <paths…>');
  process.exitCode = 2;
}
