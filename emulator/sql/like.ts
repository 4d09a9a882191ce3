// LIKE patterns: % _ [abc] [a-z] [^x] and ESCAPE, matched case-insensitively (CI_AS collation).
import { SqlError } from '../sqlError';

const cache = new Map<string, RegExp>();

export function likeMatch(value: string, pattern: string, escape?: string): boolean {
  if (escape !== undefined && escape.length !== 1)
    throw new SqlError(506, 1, 16, `The invalid escape character "${escape}" was specified in a LIKE predicate.`);
  const key = `${escape ?? ''}\u0000${pattern}`;
  let regex = cache.get(key);
  if (!regex) {
    regex = new RegExp('^' + translate(pattern, escape) + '$', 'is');
    if (cache.size > 500) cache.clear();
    cache.set(key, regex);
  }
  return regex.test(value);
}

const escapeRegex = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** the LIKE pattern as a regular expression source, without anchors */
export function translate(pattern: string, escape?: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (escape !== undefined && c === escape) {
      i++;
      if (i < pattern.length) out += escapeRegex(pattern[i]);
      continue;
    }
    if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        out += escapeRegex(c);
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      // keep ranges (a-z), escape everything else regex-special
      const cls = body.replace(/[\\\]^[]/g, '\\$&');
      out += `[${negate ? '^' : ''}${cls}]`;
      i = close;
    } else out += escapeRegex(c);
  }
  return out;
}

/** PATINDEX: 1-based start of the first match of a LIKE pattern (usually '%...%'), 0 when none */
export function patternIndex(pattern: string, value: string): number {
  if (!pattern.startsWith('%')) return likeMatch(value, pattern) ? 1 : 0;
  const rest = new RegExp('^' + translate(pattern.slice(1)) + '$', 'is');
  for (let i = 0; i < value.length; i++) if (rest.test(value.slice(i))) return i + 1;
  return 0;
}
