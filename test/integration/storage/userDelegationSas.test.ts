// The SAS the app hands to SQL Server and the Log Replay Service when it signs in with its managed
// identity: a user delegation SAS, read + list only, for one container, expiring when asked.
// Azurite over HTTPS with "--oauth basic" accepts a well-formed Entra token (it does not check the
// signature), hands out a user delegation key and enforces the SAS it signs.
import https from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, ContainerClient, RestError } from '@azure/storage-blob';
import { generateTlsMaterial } from '../../../emulator/tds/tls/certificate';
import { BackupContainer } from '../../../shared/storage/backupContainer';
import { startAzurite, type AzuriteInstance } from '../../helpers/azurite';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** What the app's managed identity would get from Entra for storage, unsigned (Azurite does not check). */
const identity: TokenCredential = {
  getToken: async (): Promise<AccessToken> => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { aud: 'https://storage.azure.com', iss: `https://sts.windows.net/${TENANT}/`, iat: now - 60, nbf: now - 60, exp: now + 3600, oid: '11111111-2222-3333-4444-555555555555', tid: TENANT };
    return { token: `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}.c2lnbmF0dXJl`, expiresOnTimestamp: (now + 3600) * 1000 };
  },
};

const tls = generateTlsMaterial(['127.0.0.1', 'localhost']);
const RealAgent = https.Agent;
let azurite: AzuriteInstance;
let container: BackupContainer;

beforeAll(async () => {
  // the storage SDK makes its own HTTPS agents; trust the local CA in them, as NODE_EXTRA_CA_CERTS would
  class LocalCaAgent extends RealAgent {
    constructor(options?: https.AgentOptions) {
      super({ ...options, ca: tls.ca });
    }
  }
  (https as { Agent: typeof https.Agent }).Agent = LocalCaAgent;
  azurite = await startAzurite({ tls: { cert: `${tls.cert}\n${tls.ca}`, key: tls.key }, oauth: true });
  const admin = new BlobServiceClient(azurite.blobEndpoint, identity);
  await admin.getContainerClient('backups').create();
  await admin.getContainerClient('other').create();
  await admin.getContainerClient('backups').getBlockBlobClient('sql-onprem/Sales/FULL/Sales_1of1.bak').uploadData(Buffer.from('backup bytes'));
  await admin.getContainerClient('other').getBlockBlobClient('secret.bak').uploadData(Buffer.from('not yours'));
  container = BackupContainer.fromConfig(
    { name: 'backups', url: `${azurite.blobEndpoint}/backups`, auth: { type: 'managedIdentity' }, logReplayContainer: 'mi-autopilot-lrs' },
    {},
    () => identity,
  );
}, 90_000);

afterAll(async () => {
  (https as { Agent: typeof https.Agent }).Agent = RealAgent;
  await azurite?.stop();
});

const status = async (work: Promise<unknown>): Promise<number | undefined> => {
  try {
    await work;
    return 200;
  } catch (err) {
    if (err instanceof RestError) return err.statusCode;
    throw err;
  }
};

test('signed with the identity, not a key: read + list on the container, expiring at the given time', async () => {
  const expires = new Date(Date.now() + 2 * 3600_000);
  const sas = await container.sas('read', expires);
  const q = new URLSearchParams(sas);
  expect(q.get('sp')).toBe('rl');
  expect(q.get('sr')).toBe('c');
  expect(q.get('spr')).toBe('https');
  expect(q.get('skoid')).toBe('11111111-2222-3333-4444-555555555555'); // a user delegation key, not the account key
  expect(q.get('sktid')).toBe(TENANT);
  expect(new Date(q.get('se') ?? '').getTime()).toBe(Math.floor(expires.getTime() / 1000) * 1000);

  const withSas = new ContainerClient(`${azurite.blobEndpoint}/backups?${sas}`);
  const names: string[] = [];
  for await (const b of withSas.listBlobsFlat()) names.push(b.name);
  expect(names).toEqual(['sql-onprem/Sales/FULL/Sales_1of1.bak']);
  expect((await withSas.getBlobClient(names[0]).downloadToBuffer()).toString()).toBe('backup bytes');
});

test('the same SAS can neither write nor delete, nor reach another container', async () => {
  const sas = await container.sas('read', new Date(Date.now() + 3600_000));
  const withSas = new ContainerClient(`${azurite.blobEndpoint}/backups?${sas}`);
  expect(await status(withSas.getBlobClient('sql-onprem/Sales/FULL/Sales_1of1.bak').getProperties())).toBe(200); // the token itself is good
  expect(await status(withSas.getBlockBlobClient('planted.bak').uploadData(Buffer.from('x')))).toBe(403);
  expect(await status(withSas.getBlobClient('sql-onprem/Sales/FULL/Sales_1of1.bak').delete())).toBe(403);
  const elsewhere = new ContainerClient(`${azurite.blobEndpoint}/other?${sas}`);
  expect(await status(elsewhere.getBlobClient('secret.bak').downloadToBuffer())).toBe(403);
});

test('an expired SAS is refused', async () => {
  const read = async (expiresOn: Date): Promise<number | undefined> => {
    const sas = await container.sas('read', expiresOn, new Date(expiresOn.getTime() - 3600_000));
    return status(new ContainerClient(`${azurite.blobEndpoint}/backups?${sas}`).getBlobClient('sql-onprem/Sales/FULL/Sales_1of1.bak').downloadToBuffer());
  };
  expect(await read(new Date(Date.now() + 60_000))).toBe(200);
  expect(await read(new Date(Date.now() - 60_000))).toBe(403);
});

test('a deadline beyond the 7 days a delegation key may live gets a SAS that ends within them', async () => {
  const now = new Date();
  const sas = await container.sas('read', new Date(now.getTime() + 10 * 24 * 3600_000), now);
  const se = new Date(new URLSearchParams(sas).get('se') ?? '').getTime();
  expect(se).toBeLessThanOrEqual(now.getTime() + 7 * 24 * 3600_000);
  expect(se).toBeGreaterThan(now.getTime() + 6.9 * 24 * 3600_000);
  const withSas = new ContainerClient(`${azurite.blobEndpoint}/backups?${sas}`);
  expect(await status(withSas.getBlobClient('sql-onprem/Sales/FULL/Sales_1of1.bak').getProperties())).toBe(200);
});
