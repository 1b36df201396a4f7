// The mechanical fix for `release-on-every-path`: wrap the statements after the acquisition in
// `try { … } finally { release(); }`, dropping the block-level release calls it replaces.
import type { TextEdit } from '../core/model.js';
import type { AcquireSite } from './facts.js';

export function tryFinallyFix(guard: AcquireSite, source: string): TextEdit | undefined {
  const scope = guard.guard;
  if (scope?.kind !== 'releaser') return undefined;
  const block = scope.statement.parent;
  if (!block || (block.type !== 'BlockStatement' && block.type !== 'Program')) return undefined;
  const statements = block.body as readonly { range: [number, number]; type: string }[];
  const rest = statements.slice(statements.indexOf(scope.statement as never) + 1);
  if (rest.length === 0) return undefined;
  const releaseCall = scope.releaseText;
  const isRelease = (statement: { range: [number, number]; type: string }): boolean =>
    statement.type === 'ExpressionStatement' &&
    source.slice(...statement.range).replace(/^(await|void)\s+/, '').replace(/;\s*$/, '').trim() === releaseCall;
  const releases = rest.filter(isRelease);
  const start = rest[0].range[0];
  const end = rest[rest.length - 1].range[1];
  // Releases inside branches would run twice after the fix: only block-level ones are mechanical.
  const occurrences = source.slice(start, end).split(releaseCall).length - 1;
  if (occurrences !== releases.length) return undefined;
  const kept = rest.filter((statement) => !isRelease(statement));
  if (kept.length === 0) return undefined;
  const lineStart = source.lastIndexOf('\n', scope.statement.range[0] - 1) + 1;
  const indent = /^[ \t]*/.exec(source.slice(lineStart))![0];
  let body = '';
  let cursor = kept[0].range[0];
  for (const statement of kept) {
    const gap = source.slice(cursor, statement.range[0]);
    body += (body === '' ? '' : gap.includes('\n') ? gap.slice(gap.indexOf('\n')) : gap) + source.slice(...statement.range);
    cursor = statement.range[1];
    const next = rest[rest.indexOf(statement) + 1];
    if (next && isRelease(next)) cursor = next.range[1];
  }
  const indented = body.replace(/\n/g, `\n  `);
  return {
    range: [start, end],
    text: `try {\n${indent}  ${indented}\n${indent}} finally {\n${indent}  ${releaseCall};\n${indent}}`,
  };
}
