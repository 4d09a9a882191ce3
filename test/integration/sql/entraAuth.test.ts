// Entra authentication to SQL: the app's pools ask its identity for a token for the resource the
// server names (FEDAUTHINFO -> https://database.windows.net/.default) and log in with it
// (FEDAUTH_TOKEN). The emulator checks the token's claims and maps its object id to a login
// created FROM EXTERNAL PROVIDER. Real mssql/tedious over TCP/TLS.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { defaultServices } from '../../../emulator/engine/defaultServices';
import { startEstate, type RunningEstate } from '../../../emulator/engine/estateServer';
import type { InstanceConfig } from '../../../shared/config/schema';
import { SqlFailure, SqlPools } from '../../../shared/sql/pools';

const APP_OBJECT_ID = '3f2b8e0c-9a41-4c55-8d7e-2b6f0e4a1c93';
const STRANGER_OBJECT_ID = '0b9f8a77-1111-4222-8333-944455556666';
const CLIENT_ID = '6d1e5a2b-7c3d-4e8f-9a0b-1c2d3e4f5a6b';
let estate: RunningEstate;

beforeAll(async () => {
  estate = await startEstate(
    {
      clockSpeed: 1,
      instances: [
        {
          name: 'sql-dev',
          kind: 'sqlServer',
          majorVersion: 16,
          logins: [
            { name: 'sa', password: 'Local-Only-Test-Password-3', sysadmin: true },
            { name: 'mi-autopilot-app', entraObjectId: APP_OBJECT_ID, sysadmin: true },
          ],
          databases: [],
        },
      ],
    },
    { services: defaultServices() },
  );
}, 60_000);

afterAll(async () => {
  await estate?.stop();
});

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A managed identity as Entra would answer it (unsigned: the emulator, like Azurite, checks claims only). */
class FakeIdentity implements TokenCredential {
  readonly scopes: string[] = [];
  constructor(private readonly claims: Record<string, unknown>) {}
  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    const now = Math.floor(Date.now() / 1000);
    const claims = { aud: 'https://database.windows.net/', iss: 'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/', iat: now, nbf: now, exp: now + 3600, ...this.claims };
    return { token: `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}.c2lnbmF0dXJl`, expiresOnTimestamp: claims.exp * 1000 };
  }
}

function instance(): InstanceConfig {
  const running = estate.find('sql-dev');
  return {
    name: 'sql-dev',
    kind: 'sqlServer',
    endpoint: { host: running.host, port: running.port, trustServerCertificate: true },
    auth: { type: 'entra', clientId: CLIENT_ID },
    environment: 'nonProduction',
    databases: [],
  };
}

async function loginWith(identity: FakeIdentity, asked: (string | undefined)[] = []): Promise<{ pools: SqlPools; login: () => Promise<string> }> {
  const pools = new SqlPools({}, (clientId) => {
    asked.push(clientId);
    return identity;
  });
  return {
    pools,
    login: async () => (await pools.client(instance()).batch<{ who: string }>('SELECT SUSER_SNAME() AS who')).recordsets[0][0].who,
  };
}

test('the app logs in as the Entra login its identity stands for, with a token for Azure SQL', async () => {
  const identity = new FakeIdentity({ oid: APP_OBJECT_ID });
  const asked: (string | undefined)[] = [];
  const { pools, login } = await loginWith(identity, asked);
  try {
    expect(await login()).toBe('mi-autopilot-app');
    // asked once per new connection (the pool validates one first), always for Azure SQL
    expect(identity.scopes.length).toBeGreaterThan(0);
    expect(new Set(identity.scopes)).toEqual(new Set(['https://database.windows.net/.default']));
    expect(asked).toEqual([CLIENT_ID]); // the user-assigned identity named in the estate
  } finally {
    await pools.closeAll();
  }
});

test.each([
  ['an identity with no login on the instance', { oid: STRANGER_OBJECT_ID }],
  ['a token for another resource', { oid: APP_OBJECT_ID, aud: 'https://management.azure.com/' }],
  ['an expired token', { oid: APP_OBJECT_ID, exp: Math.floor(Date.now() / 1000) - 3600 }],
])('%s is refused (18456), naming no principal and showing no token', async (_what, claims) => {
  const identity = new FakeIdentity(claims);
  const { pools, login } = await loginWith(identity);
  try {
    const error = await login().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SqlFailure);
    const failure = error as SqlFailure;
    // tedious reports a refused login as ELOGIN with the server's text (18456), without its number
    expect(failure.driverCode).toBe('ELOGIN');
    expect(failure.message).toBe("sql-dev: Login failed for user '<token-identified principal>'. (ELOGIN)");
    expect(failure.isTransient).toBe(false);
    expect(failure.message).not.toMatch(/eyJ/); // no JWT in the message
  } finally {
    await pools.closeAll();
  }
});

test('an Entra login never takes a password', async () => {
  const config: InstanceConfig = { ...instance(), auth: { type: 'sql', user: 'mi-autopilot-app', passwordSetting: 'PW' } };
  const withPassword = new SqlPools({ PW: 'anything' });
  try {
    await expect(withPassword.client(config).batch('SELECT 1')).rejects.toMatchObject({ driverCode: 'ELOGIN', message: "sql-dev: Login failed for user 'mi-autopilot-app'. (ELOGIN)" });
  } finally {
    await withPassword.closeAll();
  }
});
