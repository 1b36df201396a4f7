// The SourceCode of a Rust file for ESLint: locations, text, parents, traversal, and ESLint's
// inline comments (`// eslint-disable-next-line lockscope/double-lock -- reason`) in Rust comments.
import type { DirectiveType, FileProblem, RulesConfig, SourceLocation, SourceRange } from '@eslint/core';
import { ConfigCommentParser, Directive, TextSourceCodeBase, VisitNodeStep } from '@eslint/plugin-kit';
import type { Edition } from '../core/model.js';
import type { RustComment, RustNode, RustParse } from './ast.js';

// A type alias, not an interface: ESLint's option types are index-signature records.
export type RustLanguageOptions = {
  /** Overrides the edition read from the nearest Cargo.toml. */
  edition?: Edition;
};

const commentParser = new ConfigCommentParser();

const INLINE_CONFIG = /^\s*eslint(?:-enable|-disable(?:(?:-next)?-line)?)?(?:\s|$)/u;

const DIRECTIVE_TYPES: ReadonlySet<string> = new Set<DirectiveType>(['disable', 'enable', 'disable-line', 'disable-next-line']);

export class RustSourceCode extends TextSourceCodeBase<{
  LangOptions: RustLanguageOptions;
  RootNode: RustNode;
  SyntaxElementWithLoc: RustNode;
  ConfigNode: RustComment;
}> {
  readonly comments: readonly RustComment[];
  readonly #parents: WeakMap<RustNode, RustNode>;
  #steps: VisitNodeStep[] | undefined;
  #inlineConfigComments: RustComment[] | undefined;

  constructor({ text, parsed }: { text: string; parsed: RustParse }) {
    super({ text, ast: parsed.ast });
    this.comments = parsed.comments;
    this.#parents = parsed.parents;
  }

  override getLoc(node: RustNode): SourceLocation {
    return node.loc;
  }

  override getRange(node: RustNode): SourceRange {
    return node.range;
  }

  override getParent(node: RustNode): RustNode | undefined {
    return this.#parents.get(node);
  }

  getInlineConfigNodes(): RustComment[] {
    this.#inlineConfigComments ??= this.comments.filter((comment) => INLINE_CONFIG.test(comment.value));
    return this.#inlineConfigComments;
  }

  getDisableDirectives(): { directives: Directive[]; problems: FileProblem[] } {
    const directives: Directive[] = [];
    const problems: FileProblem[] = [];
    for (const comment of this.getInlineConfigNodes()) {
      const parsed = commentParser.parseDirective(comment.value);
      if (!parsed) continue;
      const { label, value, justification } = parsed;
      // As in JS: a `disable-line` that spans lines would leave unclear which line it means.
      if (label === 'eslint-disable-line' && comment.loc.start.line !== comment.loc.end.line) {
        problems.push({ ruleId: null, message: `${label} comment should not span multiple lines.`, loc: comment.loc });
        continue;
      }
      const type = label.slice('eslint-'.length);
      if (isDirectiveType(type)) directives.push(new Directive({ type, node: comment, value, justification }));
    }
    return { directives, problems };
  }

  /** `/* eslint lockscope/double-lock: "off" *\/` and its `//` form set rules for the file. */
  applyInlineConfig(): { configs: { config: { rules: RulesConfig }; loc: SourceLocation }[]; problems: FileProblem[] } {
    const configs: { config: { rules: RulesConfig }; loc: SourceLocation }[] = [];
    const problems: FileProblem[] = [];
    for (const comment of this.getInlineConfigNodes()) {
      const parsed = commentParser.parseDirective(comment.value);
      if (parsed?.label !== 'eslint') continue;
      const result = commentParser.parseJSONLikeConfig(parsed.value);
      if (result.ok) configs.push({ config: { rules: result.config }, loc: comment.loc });
      else problems.push({ ruleId: null, message: result.error.message, loc: comment.loc });
    }
    return { configs, problems };
  }

  /** Enter and exit steps for every node, depth first; the tree never changes, so computed once. */
  override traverse(): Iterable<VisitNodeStep> {
    if (this.#steps) return this.#steps.values();
    const steps: VisitNodeStep[] = [];
    // Iterative: a deep tree must not overflow the call stack.
    const pending: { node: RustNode; exit: boolean }[] = [{ node: this.ast, exit: false }];
    while (pending.length > 0) {
      const { node, exit } = pending.pop()!;
      const parent = this.getParent(node);
      steps.push(new VisitNodeStep({ target: node, phase: exit ? 2 : 1, args: [node, parent] }));
      if (exit) continue;
      pending.push({ node, exit: true });
      for (let i = node.children.length - 1; i >= 0; i--) pending.push({ node: node.children[i], exit: false });
    }
    this.#steps = steps;
    return steps.values();
  }
}

function isDirectiveType(type: string): type is DirectiveType {
  return DIRECTIVE_TYPES.has(type);
}
