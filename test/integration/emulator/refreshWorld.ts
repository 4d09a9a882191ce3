// A world for what a refresh of non-production copies asks of the emulated estate: Azurite, SQL
// Servers and managed instances over TDS (the real mssql client), and the ARM emulator over HTTPS
// (the app's ArmClient, and plain HTTPS for what the client has no method for yet).
import sql from 'mssql';
import { armRequest } from '../../helpers/armHttp';
import { BlobServiceClient } from '@azure/storage-blob';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { EngineArmBackend } from '../../../emulator/arm/engineBackend';
import { startArmEmulator, type ArmEmulator } from '../../../emulator/arm/server';
import { ScaledClock } from '../../../emulator/engine/clock';
import { defaultServices } from '../../../emulator/engine/defaultServices';
import type { Estate, EstateInstance } from '../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../emulator/engine/estateServer';
import { ArmClient } from '../../../shared/arm/client';
import { azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../helpers/azurite';
import { openPool } from '../../helpers/emulatorPool';

export const PASSWORD = 'Local-Only-Test-Password-4';
export const SUBSCRIPTION = '33333333-4444-5555-6666-777777777777';
export const RG = 'rg-refresh';
/** simulated ms per real ms: the 2 GB Sales (10 s at 200 MB/s) backs up in half a second */
export const CLOCK_SPEED = 20;

const credential: TokenCredential = {
  getToken: (): Promise<AccessToken> => Promise.resolve({ token: 'emulator-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** Sales as the sample estate has it: 2 GB, an Always Encrypted column in Customers */
export const SALES_TABLES = [
  { schema: 'dbo', name: 'Customers', rows: 25000, encryptedColumns: ['TaxId'] },
  { schema: 'dbo', name: 'Orders', rows: 480000 },
  { schema: 'audit', name: 'Events', rows: 120000, heap: true },
];

function refreshEstate(): Estate {
  const logins = [{ name: 'sa', password: PASSWORD, sysadmin: true }];
  const sqlServer = (name: string, extra: Partial<EstateInstance>): EstateInstance => ({ name, kind: 'sqlServer', majorVersion: 16, logins, freeSpaceGB: 4096, ...extra });
  const mi = (name: string, extra: Partial<EstateInstance>): EstateInstance => ({
    name,
    kind: 'managedInstance',
    updatePolicy: 'SQL Server 2022',
    logins,
    freeSpaceGB: 4096,
    // the service's first full backup at once: a point-in-time restore needs one
    automatedBackups: { firstFullAfterSeconds: 0 },
    ...extra,
  });
  const sales = { name: 'Sales', recoveryModel: 'FULL' as const, sizeMB: 2048, workloadTps: 20, tables: SALES_TABLES };
  return {
    clockSpeed: CLOCK_SPEED,
    instances: [
      sqlServer('sql-prod', {
        throughputMBps: 200,
        databases: [sales, { name: 'Shop', recoveryModel: 'FULL', sizeMB: 64, tables: [{ name: 'Items', rows: 800 }] }],
      }),
      // 160 GB at 50 GB/s: the block blob limits, without waiting for them
      sqlServer('sql-big', { throughputMBps: 50_000, databases: [{ name: 'Huge', recoveryModel: 'FULL', sizeMB: 163_840, tables: [{ name: 'Facts', rows: 900_000_000 }] }] }),
      sqlServer('sql-dev', { throughputMBps: 2000, databases: [] }),
      mi('mi-prod', {
        throughputMBps: 200,
        databases: [sales, { name: 'Shop', recoveryModel: 'FULL', sizeMB: 64, tables: [{ name: 'Items', rows: 800 }] }],
      }),
      mi('mi-big', { throughputMBps: 50_000, databases: [{ name: 'Huge', recoveryModel: 'FULL', sizeMB: 163_840, tables: [{ name: 'Facts', rows: 900_000_000 }] }] }),
      mi('mi-dev', { throughputMBps: 200, databases: [{ name: 'Sales', recoveryModel: 'FULL', sizeMB: 64, tables: [{ name: 'Old', rows: 5 }] }] }),
      mi('mi-auto', { updatePolicy: 'Always-up-to-date', throughputMBps: 2000, databases: [{ name: 'Ledger', recoveryModel: 'FULL', sizeMB: 64, tables: [{ name: 'Entries', rows: 500 }] }] }),
    ],
  };
}

export interface Answer {
  status: number;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

export interface RefreshWorld {
  azurite: AzuriteInstance;
  estate: RunningEstate;
  clock: ScaledClock;
  arm: ArmEmulator;
  client: ArmClient;
  /** https://…/devstoreaccount1/refresh: a SAS credential for it exists on every instance */
  containerUrl: string;
  blobs: BlobServiceClient;
  pool(instance: string, overrides?: Partial<sql.config>): Promise<sql.ConnectionPool>;
  query<T>(instance: string, text: string): Promise<T[]>;
  /** a plain HTTPS request to the ARM emulator (a path from /subscriptions, or a full URL) */
  call(method: string, pathOrUrl: string, body?: unknown): Promise<Answer>;
  databaseId(instance: string, database: string): string;
  stop(): Promise<void>;
}

export { pause, until } from '../../helpers/polling';

export async function startRefreshWorld(): Promise<RefreshWorld> {
  const clock = new ScaledClock(CLOCK_SPEED);
  const [azurite, running] = await Promise.all([startAzurite(), startEstate(refreshEstate(), { services: defaultServices(), clock })]);
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  await blobs.getContainerClient('refresh').createIfNotExists();
  const containerUrl = `${azurite.blobEndpoint}/refresh`;
  const backend = new EngineArmBackend({ instances: running.instances.map((r) => r.instance), links: running.links, subscriptionId: SUBSCRIPTION, resourceGroup: RG });
  const arm = await startArmEmulator({ backend, retryAfterSeconds: 0 });
  const client = new ArmClient({ credential, subscriptionId: SUBSCRIPTION, endpoint: arm.url, ca: arm.ca, retry: { maxRetries: 2, baseDelayMs: 20 } });
  const pools: sql.ConnectionPool[] = [];
  const shared = new Map<string, Promise<sql.ConnectionPool>>();
  const open = async (instance: string, overrides: Partial<sql.config> = {}): Promise<sql.ConnectionPool> => {
    const p = await openPool(running.find(instance), { requestTimeout: 60_000, ...overrides });
    pools.push(p);
    return p;
  };
  for (const r of running.instances) {
    const p = await open(r.instance.config.name);
    shared.set(r.instance.config.name, Promise.resolve(p));
    await p.request().batch(`CREATE CREDENTIAL [${containerUrl}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${azuriteAccountSas('rwdlc')}'`);
  }
  const world: RefreshWorld = {
    azurite,
    estate: running,
    clock,
    arm,
    client,
    containerUrl,
    blobs,
    pool: (instance, overrides) => (overrides ? open(instance, overrides) : (shared.get(instance) ?? open(instance))),
    async query<T>(instance: string, text: string): Promise<T[]> {
      return (await (await world.pool(instance)).request().query<T>(text)).recordset;
    },
    call: async (method, pathOrUrl, body) => {
      const a = await armRequest<Answer['json']>(arm, method, pathOrUrl, body);
      return { status: a.status, json: a.json ?? {}, headers: a.headers };
    },
    databaseId: (instance, database) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/${instance}/databases/${database}`,
    async stop() {
      await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
      await arm.close();
      await running.stop();
      await azurite.stop();
    },
  };
  return world;
}

/** rows per table of `database`, as sys.partitions counts them */
export async function tableRows(world: RefreshWorld, instance: string, database: string): Promise<Record<string, number>> {
  const rows = await world.query<{ name: string; n: string | number }>(
    instance,
    `SELECT s.name + N'.' + t.name AS name, SUM(p.rows) AS n FROM [${database}].sys.tables t JOIN [${database}].sys.schemas s ON s.schema_id = t.schema_id
     JOIN [${database}].sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1) GROUP BY s.name, t.name`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]));
}

/** the Always Encrypted columns of `database`: table.column -> encryption_type / _desc */
export async function encryptedColumns(world: RefreshWorld, instance: string, database: string): Promise<Record<string, [number, string]>> {
  const rows = await world.query<{ name: string; encryption_type: number; encryption_type_desc: string }>(
    instance,
    `SELECT OBJECT_NAME(c.object_id, DB_ID(N'${database}')) + N'.' + c.name AS name, c.encryption_type, c.encryption_type_desc
     FROM [${database}].sys.columns c WHERE c.encryption_type IS NOT NULL`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, [r.encryption_type, r.encryption_type_desc]]));
}
