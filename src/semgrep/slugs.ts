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
