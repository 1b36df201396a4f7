// Reads `semgrep --test` annotations: `// ruleid: <id>` (and ok, todoruleid, todook) applies to
// the next line that is not itself an annotation.
export interface AnnotatedLines {
  readonly ruleid: number[];
  readonly ok: number[];
  readonly todoruleid: number[];
  readonly todook: number[];
}

const ANNOTATION = /^\s*\/\/ (ruleid|ok|todoruleid|todook): ([\w.-]+)\s*$/;

export function annotatedLines(text: string, ruleId: string): AnnotatedLines {
  const result: AnnotatedLines = { ruleid: [], ok: [], todoruleid: [], todook: [] };
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = ANNOTATION.exec(line);
    if (!m || m[2] !== ruleId) return;
    let next = i + 1;
    while (next < lines.length && ANNOTATION.test(lines[next])) next++;
    result[m[1] as keyof AnnotatedLines].push(next + 1);
  });
  return result;
}
