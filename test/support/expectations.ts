// Reads the expectations fixtures carry beside the code:
//   `// expect: rule-a, rule-b`  the rules reported on this line's primary span;
//   `// miss: rule -- why`       a real bug (observed when run) that the analysis does not report
//                                yet: the harness checks it is still missed, so fixing it forces
//                                the annotation to become `expect`.
import { readFileSync } from 'node:fs';

export interface Expectation {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
}

const EXPECT_RE = /\/\/\s*expect:\s*([a-z-]+(?:\s*,\s*[a-z-]+)*)/;
const MISS_RE = /\/\/\s*miss:\s*([a-z-]+)\s*--\s*\S/;

function annotated(file: string, shownAs: string, pattern: RegExp): Expectation[] {
  const out: Expectation[] = [];
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((text, i) => {
      const m = pattern.exec(text);
      if (!m) return;
      for (const rule of m[1].split(',')) out.push({ file: shownAs, line: i + 1, rule: rule.trim() });
    });
  return out;
}

export function readExpectations(file: string, shownAs: string = file): Expectation[] {
  return annotated(file, shownAs, EXPECT_RE);
}

/** Known misses: each must carry a reason after `--`. */
export function readKnownMisses(file: string, shownAs: string = file): Expectation[] {
  return annotated(file, shownAs, MISS_RE);
}

export function expectationKey(e: Expectation): string {
  return `${e.file}:${e.line} ${e.rule}`;
}
