// Runs one rule's table twice, untyped and typed (project service over fixtures/ts/rule-tester),
// on vitest. A line ending in `// <-` is where the rule must report (the outer acquisition).
import path from 'node:path';
import { RuleTester, type InvalidTestCase } from '@typescript-eslint/rule-tester';
import type { TSESLint } from '@typescript-eslint/utils';
import { afterAll, describe, it } from 'vitest';

RuleTester.afterAll = afterAll;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

export const PRELUDE = [
  "import { Mutex, Semaphore, withTimeout, tryAcquire } from 'async-mutex';",
  "import AsyncLock from 'async-lock';",
  "import AwaitLock from 'await-lock';",
  "import mortice from 'mortice';",
  "import mutexify from 'mutexify/promise';",
  '',
].join('\n');

export interface InvalidCase {
  readonly code: string;
  /** When the case reports with another message than the table's. */
  readonly messageId?: string;
  /** The code after the suggested fix, for each reported error in order. */
  readonly suggestions?: readonly (string | null)[];
}

const untyped = new RuleTester();
const typed = new RuleTester({
  languageOptions: {
    parserOptions: {
      projectService: true,
      tsconfigRootDir: path.resolve(import.meta.dirname, '../fixtures/ts/rule-tester'),
    },
  },
});

function invalidCase<MessageId extends string>(messageId: MessageId, entry: string | InvalidCase, suggestionId?: MessageId): InvalidTestCase<MessageId, []> {
  const { code, suggestions } = typeof entry === 'string' ? { code: entry, suggestions: undefined } : entry;
  const caseMessageId = (typeof entry === 'string' ? undefined : entry.messageId) as MessageId | undefined;
  const source = PRELUDE + code;
  const lines = source.split('\n').flatMap((text, index) => (text.trimEnd().endsWith('// <-') ? [index + 1] : []));
  if (lines.length === 0) throw new Error(`invalid case has no "// <-" marker:\n${code}`);
  return {
    code: source,
    errors: lines.map((line, index) => {
      const output = suggestions?.[index];
      return {
        messageId: caseMessageId ?? messageId,
        line,
        ...(suggestions && suggestionId ? { suggestions: output === null || output === undefined ? [] : [{ messageId: suggestionId, output: PRELUDE + output }] } : {}),
      };
    }),
  };
}

export function runRuleBothWays<MessageId extends string>(
  name: string,
  rule: TSESLint.RuleModule<MessageId, []>,
  table: {
    messageId: MessageId;
    suggestionId?: MessageId;
    valid: readonly string[];
    invalid: readonly (string | InvalidCase)[];
    /** Found only with types: a lock behind a type alias, a lock passed as a parameter. */
    invalidTyped?: readonly (string | InvalidCase)[];
    /** Not a lock only because types say so, or locks only types can see, left alone untyped. */
    validUntyped?: readonly string[];
  },
): void {
  const valid = table.valid.map((code) => PRELUDE + code);
  const invalid = table.invalid.map((entry) => invalidCase(table.messageId, entry, table.suggestionId));
  describe('untyped', () => {
    untyped.run(name, rule, { valid: [...valid, ...(table.validUntyped ?? []).map((code) => PRELUDE + code), ...(table.invalidTyped ?? []).map((entry) => PRELUDE + (typeof entry === 'string' ? entry : entry.code))], invalid });
  });
  describe('typed', () => {
    typed.run(name, rule, { valid, invalid: [...invalid, ...(table.invalidTyped ?? []).map((entry) => invalidCase(table.messageId, entry, table.suggestionId))] });
  });
}
