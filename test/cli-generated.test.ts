// Minified and bundled JS is skipped with a note unless --include-generated asks for it; source
// files that only look a little like it (a sourceMappingURL comment mid-file, a .ts file) are not.
import { describe, expect, it } from 'vitest';
import { generatedCodeReason } from '../src/ts/generated.js';
import { lockscope, tempProject } from './cli-support.js';

// A nested lock (no-nested-lock) as a bundler leaves it: one class, no line breaks.
const NESTED = 'const M=require("async-mutex");class C{constructor(){this.m=new M.Mutex}async a(){return this.m.runExclusive(()=>this.b())}async b(){return this.m.runExclusive(async()=>1)}}module.exports=C;';

async function checked(cwd: string, ...args: string[]): Promise<{ found: string[]; stderr: string }> {
  const r = await lockscope(['check', '--format', 'json', '--fail-on', 'off', ...args], { cwd });
  const doc = JSON.parse(r.stdout) as { diagnostics: { rule: string; file: string }[] };
  return { found: doc.diagnostics.map((d) => `${d.rule} ${d.file}`), stderr: r.stderr };
}

describe('generated JS', () => {
  it('is skipped with a note by default and analysed with --include-generated', async () => {
    const cwd = tempProject({
      'dist/app.min.js': NESTED,
      'dist/bundle.js': `${NESTED}\n//# sourceMappingURL=bundle.js.map\n`,
      'dist/long.js': `${NESTED}${' '.repeat(5000)}\n`,
      'src/source.js': NESTED.replaceAll(';', ';\n'),
    });
    const skipped = await checked(cwd);
    expect(skipped.found).toEqual(['no-nested-lock src/source.js']);
    expect(skipped.stderr).toContain('dist/app.min.js: skipped a minified file (*.min.js); --include-generated analyses it');
    expect(skipped.stderr).toContain('dist/bundle.js: skipped generated JavaScript (it ends with a sourceMappingURL comment)');
    expect(skipped.stderr).toContain('dist/long.js: skipped minified or generated code (a line of over 5000 characters)');
    const included = await checked(cwd, '--include-generated');
    expect(included.found).toEqual(['no-nested-lock dist/app.min.js', 'no-nested-lock dist/bundle.js', 'no-nested-lock dist/long.js', 'no-nested-lock src/source.js']);
    expect(included.stderr).not.toContain('skipped');
  });

  it('leaves source files alone: a mid-file sourceMappingURL, TypeScript (a long literal is written by hand), lines up to the limit', () => {
    expect(generatedCodeReason('a.js', '//# sourceMappingURL=a.js.map\nconst x = 1;\n')).toBeUndefined();
    expect(generatedCodeReason('a.ts', 'const x = 1;\n//# sourceMappingURL=a.js.map\n')).toBeUndefined();
    expect(generatedCodeReason('a.js', `${'x'.repeat(5000)}\n${'y'.repeat(5000)}`)).toBeUndefined();
    expect(generatedCodeReason('a.js', 'x'.repeat(5001))).toMatch(/a line of over 5000/);
    expect(generatedCodeReason('a.ts', `const s = '${'x'.repeat(20_000)}';`)).toBeUndefined();
    expect(generatedCodeReason('vendor/jquery.MIN.JS', '')).toMatch(/minified/);
  });
});
