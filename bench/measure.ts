// One measurement per process, so that peak memory is the measured job's own.
//   node dist/bench/measure.js analyze <paths…>    lockscope's Rust analysis, phase by phase
//   node dist/bench/measure.js parse-all <paths…>  tree-sitter parse of every .rs file (the floor)
import { discoverFiles, readSourceFile } from '../src/core/discover.js';
import { analyzeRustFiles } from '../src/rust/parallel.js';
import { parseRust } from '../src/rust/syntax.js';

const [mode, ...paths] = process.argv.slice(2);
const started = performance.now();
const found = discoverFiles(paths, process.cwd());
if (mode === 'analyze') {
  // The same entry point as `lockscope check`: worker threads per crate on large inputs.
  const result = await analyzeRustFiles(found.rust, { cwd: process.cwd(), rules: {} });
  const byRule: Record<string, number> = {};
  for (const d of result.diagnostics) byRule[`${d.rule}/${d.severity}`] = (byRule[`${d.rule}/${d.severity}`] ?? 0) + 1;
  console.log(
    JSON.stringify({
      files: result.files,
      parsedFiles: result.parsedFiles,
      lines: result.lines,
      bytes: result.bytes,
      ms: performance.now() - started,
      phases: result.phases,
      findings: byRule,
      notes: result.notes.length,
      maxRssKb: process.resourceUsage().maxRSS,
    }),
  );
} else if (mode === 'parse-all') {
  let files = 0;
  for (const file of found.rust) {
    const read = readSourceFile(file);
    if (!read.ok) continue;
    parseRust(read.text);
    files++;
  }
  console.log(JSON.stringify({ files, ms: performance.now() - started, maxRssKb: process.resourceUsage().maxRSS }));
} else {
  console.error('usage: measure analyze|parse-all <paths…>');
  process.exitCode = 2;
}
