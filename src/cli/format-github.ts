// GitHub Actions workflow commands (`::error file=…,line=…::message`): a plain `run:` step then
// annotates the pull request at each guard, without a SARIF upload. The format is GitHub's
// (https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
import type { Diagnostic } from '../core/model.js';

/** Data (the message) may hold any text but `%`, CR and LF, which would end the command. */
const escapeData = (text: string): string => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** Property values also end at `:` and `,`. */
const escapeProperty = (text: string): string => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function formatGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const properties = [
        `file=${escapeProperty(d.span.file.split('\\').join('/'))}`,
        `line=${d.span.line}`,
        `endLine=${d.span.endLine}`,
        `col=${d.span.column}`,
        ...(d.span.endLine === d.span.line ? [`endColumn=${d.span.endColumn}`] : []),
        `title=${escapeProperty(`lockscope ${d.rule}`)}`,
      ].join(',');
      // The chain, one step a line, under the message: the annotation shows it as written.
      const chain = d.related.map((r) => `${r.span.file}:${r.span.line}:${r.span.column}: ${r.message}`);
      return `::${d.severity === 'error' ? 'error' : 'warning'} ${properties}::${escapeData([d.message, ...chain].join('\n'))}`;
    })
    .join('\n');
}
