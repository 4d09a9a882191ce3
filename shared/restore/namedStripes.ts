// Stripes known by their names: with {stripe} and {stripes} in a rule's pattern, the set of blobs
// of one backup is known from a listing alone, before any blob is opened.
import { compilePathPattern, isPatternProblem } from '../config/pathPattern';

export interface NamedStripeSet {
  /** the blob path with the stripe number taken out: identifies one backup */
  key: string;
  expected: number;
  /** stripe number -> blob path */
  present: Map<number, string>;
  missing: number[];
}

/** Groups listed blob paths into stripe sets; paths the pattern does not match are left out. */
export function namedStripeSets(pathPattern: string, blobPaths: readonly string[]): NamedStripeSet[] {
  const compiled = compilePathPattern(pathPattern);
  if (isPatternProblem(compiled) || !compiled.captures.includes('stripe') || !compiled.captures.includes('stripes')) return [];
  const sets = new Map<string, NamedStripeSet>();
  for (const path of blobPaths) {
    const m = compiled.regex.exec(path);
    const stripe = Number(m?.groups?.stripe);
    const stripes = Number(m?.groups?.stripes);
    if (!m || !(stripe >= 1) || !(stripes >= 1) || stripe > stripes) continue;
    // the key: every capture except the stripe number
    const key = compiled.captures
      .filter((c) => c !== 'stripe')
      .map((c) => `${c}=${m.groups?.[c] ?? ''}`)
      .join('|');
    const set = sets.get(key) ?? { key, expected: stripes, present: new Map<number, string>(), missing: [] };
    set.present.set(stripe, path);
    sets.set(key, set);
  }
  for (const set of sets.values()) {
    set.missing = Array.from({ length: set.expected }, (_, i) => i + 1).filter((n) => !set.present.has(n));
  }
  return [...sets.values()];
}

/** The stripe set a given blob belongs to. */
export function stripeSetOf(pathPattern: string, blobPath: string, listing: readonly string[]): NamedStripeSet | undefined {
  const sets = namedStripeSets(pathPattern, [...new Set([blobPath, ...listing])]);
  return sets.find((s) => [...s.present.values()].includes(blobPath));
}
