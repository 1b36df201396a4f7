// Reads `// expect: rule-a, rule-b` annotations: the rules expected on that line's primary span.
import { readFileSync } from 'node:fs';

export interface Expectation {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
}

const EXPECT_RE = /\/\/\s*expect:\s*([a-z-]+(?:\s*,\s*[a-z-]+)*)/;

export function readExpectations(file: string, shownAs: string = file): Expectation[] {
  const out: Expectation[] = [];
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((text, i) => {
      const m = EXPECT_RE.exec(text);
      if (!m) return;
      for (const rule of m[1].split(',')) out.push({ file: shownAs, line: i + 1, rule: rule.trim() });
    });
  return out;
}

export function expectationKey(e: Expectation): string {
  return `${e.file}:${e.line} ${e.rule}`;
}
