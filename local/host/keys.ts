// Function keys as the host checks them: a key comes from the `code` query parameter or the
// `x-functions-key` header; `function` level accepts the function's own keys, the host keys and
// the master key; `admin` only the master key; system endpoints (the Event Grid webhook) their
// system key or the master key. Comparison is constant-time.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { HostKeys } from './settings';

export type AuthLevel = 'anonymous' | 'function' | 'admin';

export function presentedKey(headers: Record<string, string | string[] | undefined>, query: URLSearchParams): string | undefined {
  const header = headers['x-functions-key'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  return fromHeader || query.get('code') || undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function matchesAny(key: string | undefined, candidates: (string | undefined)[]): boolean {
  if (!key) return false;
  return candidates.some((c) => c !== undefined && c !== '' && same(key, c));
}

export function authorizeFunction(level: AuthLevel, functionName: string, key: string | undefined, keys: HostKeys): boolean {
  if (level === 'anonymous') return true;
  if (level === 'admin') return matchesAny(key, [keys.master]);
  return matchesAny(key, [keys.master, keys.functionDefault, keys.functions[functionName.toLowerCase()]]);
}

export function authorizeSystem(key: string | undefined, systemKey: string | undefined, keys: HostKeys): boolean {
  return matchesAny(key, [keys.master, systemKey]);
}

/** Keys left unset get random ones, as the host generates keys the first time it starts. */
export function completeKeys(keys: HostKeys): { keys: HostKeys; generated: string[] } {
  const generated: string[] = [];
  const make = (name: string): string => {
    generated.push(name);
    return randomBytes(30).toString('base64url');
  };
  return {
    keys: {
      ...keys,
      master: keys.master ?? make('master'),
      functionDefault: keys.functionDefault ?? make('default'),
      eventGridExtension: keys.eventGridExtension ?? make('eventgrid_extension'),
    },
    generated,
  };
}
