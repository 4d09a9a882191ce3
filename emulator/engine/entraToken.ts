// An Entra access token presented at login, checked the way the emulator can: its claims only
// (audience Azure SQL, inside its lifetime, an object id). Like Azurite's "basic" OAuth, the
// signature is not verified: there is no identity provider on a laptop.
import type { Login } from './model';

const SQL_AUDIENCES = new Set(['https://database.windows.net/', 'https://database.windows.net', '022907d3-0f1b-48f7-badc-1ba6abab6d66']);
const CLOCK_SKEW_S = 300;

export type TokenCheck = { ok: true; objectId: string } | { ok: false; reason: string };

export function checkAccessToken(token: string, now: Date): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'the token is not a JWT' };
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'the token payload is not JSON' };
  }
  const seconds = Math.floor(now.getTime() / 1000);
  if (typeof claims.aud !== 'string' || !SQL_AUDIENCES.has(claims.aud)) return { ok: false, reason: `the token is for ${String(claims.aud)}, not https://database.windows.net/` };
  if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_S < seconds) return { ok: false, reason: 'the token is expired' };
  if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_SKEW_S > seconds) return { ok: false, reason: 'the token is not valid yet' };
  if (typeof claims.oid !== 'string') return { ok: false, reason: 'the token names no object id (oid)' };
  return { ok: true, objectId: claims.oid };
}

/** The Entra login (FROM EXTERNAL PROVIDER) a token's object id stands for. */
export function entraLoginFor(logins: readonly Login[], objectId: string): Login | undefined {
  return logins.find((l) => l.entraObjectId?.toLowerCase() === objectId.toLowerCase());
}
