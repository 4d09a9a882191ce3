// Which backup a blob belongs to before any blob is opened: stripes named by the rule's pattern
// ({stripe} and {stripes}), or, with no pattern (a restore asked for through the API), by the
// usual convention of a name ending in _2of4.bak.
import { namedStripeSets } from './namedStripes';

/** A pattern that finds the other stripes of a blob named by convention, or undefined. */
export function conventionalStripePattern(blobPath: string): string | undefined {
  if (/[{}*]/.test(blobPath)) return undefined; // these mean something in a pattern
  const m = /^(.*[_-])(\d+)of(\d+)(\.[A-Za-z0-9]+)$/i.exec(blobPath);
  return m ? `${m[1]}{stripe}of{stripes}${m[4]}` : undefined;
}

/** The backup a striped blob belongs to (its path without the stripe number), or undefined. */
export function backupSetKey(pathPattern: string | undefined, blobPath: string): string | undefined {
  const pattern = pathPattern ?? conventionalStripePattern(blobPath);
  if (!pattern) return undefined;
  const set = namedStripeSets(pattern, [blobPath])[0];
  return set && set.expected > 1 ? `${pattern}|${set.key}` : undefined;
}
