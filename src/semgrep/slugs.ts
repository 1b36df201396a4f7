// Names in generated packs: a readable slug of what a rule is about (a lock, a maker, a callee),
// unique among its siblings even where two names differ only in case or punctuation; and paths
// written into globs literally.
import { createHash } from 'node:crypto';

export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}

/**
 * Names that differ only in case or punctuation (`A_b.c` / `A.b_c`) slug alike; each gets a
 * hash of its exact text so neither overwrites the other.
 */
export function uniqueSlugs(texts: readonly string[]): Map<string, string> {
  const bySlug = new Map<string, string[]>();
  for (const text of texts) bySlug.set(slug(text), [...(bySlug.get(slug(text)) ?? []), text]);
  const out = new Map<string, string>();
  for (const [s, group] of bySlug) {
    for (const text of group) out.set(text, group.length === 1 ? s : `${s}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`);
  }
  return out;
}

/** A literal path inside a glob: `[`, `]`, `*`, `?`, `{`, `}`, `!` and `\` each in a class of its own. */
export function escapeGlob(path: string): string {
  return path.replace(/[[\]*?{}!\\]/g, (c) => `[${c}]`);
}

/**
 * A Semgrep `paths` glob that matches wherever the path sits below the scan's root, as a glob
 * with a slash did before Semgrep's move to gitignore's rules (1.185 warns that `src/a.ts` will
 * soon be read as `/src/a.ts`, anchored at the project root). The pack's paths are relative to
 * the directory it was generated from, which need not be the root Semgrep anchors at (a git
 * repository's root when the project is one of its directories), so they stay unanchored.
 */
export function unanchoredGlob(glob: string): string {
  return glob.startsWith('**/') || !glob.replace(/\/$/, '').includes('/') ? glob : `**/${glob}`;
}
