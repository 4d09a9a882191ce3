// Identifier helpers: SQL Server's default collation is case-insensitive, so every lookup by name
// goes through these.
import { randomUUID } from 'node:crypto';

export function sameName(a: string, b: string): boolean {
  return a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;
}

export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** QUOTENAME for messages that show a bracketed name */
export function quoteName(name: string): string {
  return `[${name.replace(/]/g, ']]')}]`;
}

/** a deterministic positive int from text (object ids of user tables, stable across restarts) */
export function stableId(text: string, min = 100_000_000): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  const span = 2_000_000_000 - min;
  return min + ((hash >>> 0) % span);
}

/** a random GUID in SQL Server's canonical upper-case form */
export function newGuid(): string {
  return randomUUID().toUpperCase();
}

/** splits 'db.schema.name' / '[a.b].[c]' into its parts (unquoted); empty parts stay '' */
export function splitMultipartName(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '[' || ch === '"') {
      const close = ch === '[' ? ']' : '"';
      i++;
      while (i < text.length) {
        if (text[i] === close) {
          if (text[i + 1] === close) {
            current += close;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        current += text[i++];
      }
    } else if (ch === '.') {
      parts.push(current);
      current = '';
      i++;
    } else {
      current += ch;
      i++;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}
