import { checkAccessToken, entraLoginFor } from '../../../../emulator/engine/entraToken';

const now = new Date('2026-12-05T12:00:00Z');
const s = Math.floor(now.getTime() / 1000);
const jwt = (claims: object): string => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
const good = { aud: 'https://database.windows.net/', nbf: s - 10, exp: s + 3600, oid: 'ABCDEF01-2345-6789-abcd-ef0123456789' };

test('a token for Azure SQL inside its lifetime gives its object id', () => {
  expect(checkAccessToken(jwt(good), now)).toEqual({ ok: true, objectId: good.oid });
  expect(checkAccessToken(jwt({ ...good, aud: 'https://database.windows.net' }), now).ok).toBe(true);
});

test.each([
  ['not a JWT', 'opaque-token', /not a JWT/],
  ['another audience', jwt({ ...good, aud: 'https://storage.azure.com' }), /is for https:\/\/storage.azure.com, not https:\/\/database.windows.net\//],
  ['expired beyond the clock skew', jwt({ ...good, exp: s - 301 }), /expired/],
  ['not valid yet', jwt({ ...good, nbf: s + 301 }), /not valid yet/],
  ['no object id', jwt({ ...good, oid: undefined }), /no object id/],
])('refused: %s', (_what, token, reason) => {
  const r = checkAccessToken(token, now);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.reason).toMatch(reason);
});

test('the login is found by object id, whatever its case; SQL logins never match', () => {
  const logins = [
    { name: 'sa', password: 'x', sysadmin: true },
    { name: 'app', password: '', entraObjectId: 'abcdef01-2345-6789-abcd-ef0123456789', sysadmin: false },
  ];
  expect(entraLoginFor(logins, good.oid)?.name).toBe('app');
  expect(entraLoginFor(logins, '00000000-0000-0000-0000-000000000000')).toBeUndefined();
});
