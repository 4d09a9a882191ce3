// A world for the Log Replay Service: Azurite, an emulated estate over TDS (SQL Server 2022 and
// 2025 sources, a managed instance), and the ARM emulator over HTTPS with the real shared/arm
// client. Backups are taken with BACKUP ... TO URL into a staging container and copied into an
// LRS folder of the dedicated container under the names LRS wants (.bak / .diff / .log).
import sql from 'mssql';
import { armRequest, type ArmAnswer } from '../../../helpers/armHttp';
import { pause, until } from '../../../helpers/polling';
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { EngineArmBackend } from '../../../../emulator/arm/engineBackend';
import { startArmEmulator, type ArmEmulator } from '../../../../emulator/arm/server';
import { ScaledClock } from '../../../../emulator/engine/clock';
import { defaultServices } from '../../../../emulator/engine/defaultServices';
import type { Estate } from '../../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../../emulator/engine/estateServer';
import type { EmulatedInstance } from '../../../../emulator/engine/instance';
import { ArmClient, type PollResult } from '../../../../shared/arm/client';
import type { PollerState } from '../../../../shared/arm/poller';
import type { RestoreDetails } from '../../../../shared/arm/types';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../../helpers/azurite';
import { openPool } from '../../../helpers/emulatorPool';

export const PASSWORD = 'Local-Only-Test-Password-9';
export const SUBSCRIPTION = '22222222-3333-4444-5555-666666666666';
export const RG = 'rg-lrs';
export const LRS_CONTAINER = 'mi-autopilot-lrs';
/** simulated ms per real ms: a 6 s full restore takes 1.2 s */
const CLOCK_SPEED = 5;
/** simulated: 100 ms real between two scans */
const SCAN_INTERVAL_MS = 500;

const credential: TokenCredential = {
  getToken: (): Promise<AccessToken> => Promise.resolve({ token: 'emulator-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

function estate(): Estate {
  const logins = [{ name: 'sa', password: PASSWORD }];
  const tables = [
    { name: 'Customers', rows: 2500 },
    { name: 'Orders', rows: 1000 },
  ];
  return {
    instances: [
      {
        name: 'sql-onprem',
        kind: 'sqlServer',
        majorVersion: 16,
        logins,
        databases: ['Sales', 'Ledger', 'Stock', 'Crm', 'Hr'].map((name) => ({ name, recoveryModel: 'FULL' as const, sizeMB: name === 'Sales' ? 600 : 64, tables })),
      },
      { name: 'sql-2025', kind: 'sqlServer', majorVersion: 17, logins, databases: [{ name: 'Future', recoveryModel: 'FULL', tables }] },
      { name: 'mi-prod', kind: 'managedInstance', updatePolicy: 'SQL Server 2022', throughputMBps: 100, logins, databases: [{ name: 'Billing' }] },
    ],
  };
}

export type BackupKind = 'full' | 'diff' | 'log';

export type Answer = ArmAnswer;

export interface LrsWorld {
  azurite: AzuriteInstance;
  estate: RunningEstate;
  clock: ScaledClock;
  arm: ArmEmulator;
  client: ArmClient;
  mi: EmulatedInstance;
  instance(name: string): EmulatedInstance;
  /** https://127.0.0.1:PORT/devstoreaccount1/mi-autopilot-lrs */
  containerUrl: string;
  /** a service SAS on the LRS container (no leading '?') */
  sas(permissions?: string): string;
  /** BACKUP on a source into staging; returns the staged blob names, one per stripe */
  backup(server: string, database: string, kind: BackupKind, stripes?: number): Promise<string[]>;
  /** copies a staged blob (or raw bytes) into `folder` of the LRS container as `fileName` */
  place(folder: string, fileName: string, source: string | Buffer): Promise<void>;
  startLrs(database: string, folder: string, options?: { lastBackupName?: string; sas?: string; identity?: 'managedIdentity' }): Promise<PollerState>;
  /** polls an operation until it is done (small real pauses between polls) */
  finish(state: PollerState, timeoutMs?: number): Promise<PollResult>;
  details(database: string): Promise<RestoreDetails>;
  /** restoreDetails until `check` holds */
  detailsUntil(database: string, check: (d: RestoreDetails) => boolean, timeoutMs?: number): Promise<RestoreDetails>;
  query<T>(instance: string, text: string): Promise<T[]>;
  /** a plain HTTPS request to the ARM emulator (path from /subscriptions or a full URL) */
  call(method: string, pathOrUrl: string, body?: unknown): Promise<Answer>;
  /** the ARM path of a managed database on mi-prod */
  databasePath(database: string): string;
  stop(): Promise<void>;
}

export { pause, until };

export async function startLrsWorld(): Promise<LrsWorld> {
  const clock = new ScaledClock(CLOCK_SPEED);
  const [azurite, running] = await Promise.all([startAzurite(), startEstate(estate(), { services: defaultServices(), clock })]);
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  await Promise.all(['staging', LRS_CONTAINER].map((c) => service.getContainerClient(c).createIfNotExists()));
  const backend = new EngineArmBackend({
    instances: running.instances.map((r) => r.instance),
    links: running.links,
    subscriptionId: SUBSCRIPTION,
    resourceGroup: RG,
    lrs: { scanIntervalMs: SCAN_INTERVAL_MS },
  });
  const arm = await startArmEmulator({ backend, retryAfterSeconds: 0 });
  const client = new ArmClient({ credential, subscriptionId: SUBSCRIPTION, endpoint: arm.url, ca: arm.ca, retry: { maxRetries: 2, baseDelayMs: 20 } });
  const stagingUrl = `${azurite.blobEndpoint}/staging`;
  const pools = new Map<string, Promise<sql.ConnectionPool>>();
  const pool = (name: string): Promise<sql.ConnectionPool> => {
    let p = pools.get(name);
    if (!p) {
      p = openPool(running.find(name), { pool: { max: 2, min: 0 }, requestTimeout: 30_000 });
      // a failed connect is not kept: the next call tries again
      p.catch(() => pools.delete(name));
      pools.set(name, p);
    }
    return p;
  };
  const credentialed = new Set<string>();
  let counter = 0;

  const world: LrsWorld = {
    azurite,
    estate: running,
    clock,
    arm,
    client,
    mi: running.find('mi-prod').instance,
    instance: (name) => running.find(name).instance,
    containerUrl: `${azurite.blobEndpoint}/${LRS_CONTAINER}`,
    sas: (permissions = 'rl') =>
      generateBlobSASQueryParameters(
        {
          containerName: LRS_CONTAINER,
          permissions: ContainerSASPermissions.parse(permissions),
          protocol: SASProtocol.HttpsAndHttp,
          startsOn: new Date(Date.now() - 60_000),
          expiresOn: new Date(Date.now() + 3_600_000),
        },
        new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
      ).toString(),
    async backup(server, database, kind, stripes = 1) {
      const p = await pool(server);
      if (!credentialed.has(server)) {
        await p.request().batch(`CREATE CREDENTIAL [${stagingUrl}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${azuriteAccountSas('rwdlc')}'`);
        credentialed.add(server);
      }
      const n = ++counter;
      const names = Array.from({ length: stripes }, (_, i) => `${server}/${database}_${kind}_${n}_${i + 1}of${stripes}.bak`);
      const to = names.map((name) => `URL = N'${stagingUrl}/${name}'`).join(', ');
      const statement =
        kind === 'log'
          ? `BACKUP LOG [${database}] TO ${to} WITH FORMAT, CHECKSUM`
          : `BACKUP DATABASE [${database}] TO ${to} WITH FORMAT, CHECKSUM${kind === 'diff' ? ', DIFFERENTIAL' : ''}`;
      await p.request().batch(statement);
      return names;
    },
    async place(folder, fileName, source) {
      const body = typeof source === 'string' ? await service.getContainerClient('staging').getBlobClient(source).downloadToBuffer() : source;
      await service.getContainerClient(LRS_CONTAINER).getBlockBlobClient(`${folder}/${fileName}`).uploadData(body);
    },
    startLrs(database, folder, options = {}) {
      return client.startLogReplay(RG, 'mi-prod', database, {
        location: 'westeurope',
        storageContainerUri: `${azurite.blobEndpoint}/${LRS_CONTAINER}/${folder}`,
        auth: options.identity === 'managedIdentity' ? { kind: 'managedIdentity' } : { kind: 'sas', sasToken: options.sas ?? world.sas() },
        autoComplete: options.lastBackupName === undefined ? undefined : { lastBackupName: options.lastBackupName },
      });
    },
    async finish(state, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      let r: PollResult = { done: false, state, retryAfterMs: 0 };
      while (!r.done) {
        if (Date.now() > end) throw new Error(`operation ${state.kind} did not finish in ${timeoutMs} ms`);
        r = await client.pollOnce(r.state);
        if (!r.done) await pause(20);
      }
      return r;
    },
    details: (database) => client.getRestoreDetails(RG, 'mi-prod', database),
    async detailsUntil(database, check, timeoutMs = 15_000) {
      let last: RestoreDetails | undefined;
      try {
        return await until(
          `restoreDetails of ${database}`,
          async () => {
            last = await world.details(database);
            return check(last) ? last : undefined;
          },
          timeoutMs,
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify(last)}`);
      }
    },
    async query<T>(instance: string, text: string): Promise<T[]> {
      const r = await (await pool(instance)).request().query<T>(text);
      return r.recordset;
    },
    call: (method, pathOrUrl, body) => armRequest(arm, method, pathOrUrl, body),
    databasePath: (database) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Sql/managedInstances/mi-prod/databases/${database}`,
    async stop() {
      await Promise.all([...pools.values()].map(async (p) => (await p.catch(() => undefined))?.close().catch(() => undefined)));
      await arm.close();
      await running.stop();
      await azurite.stop();
    },
  };
  return world;
}

/** the rows per table of a database on an instance, as sys.partitions reports them */
export async function tableRows(world: LrsWorld, instance: string, database: string): Promise<Record<string, number>> {
  const rows = await world.query<{ name: string; n: string | number }>(
    instance,
    `SELECT t.name, SUM(p.rows) AS n FROM [${database}].sys.tables t JOIN [${database}].sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1) GROUP BY t.name`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]));
}

export async function stateOf(world: LrsWorld, database: string): Promise<string | undefined> {
  const rows = await world.query<{ state_desc: string }>('mi-prod', `SELECT state_desc FROM sys.databases WHERE name = N'${database}'`);
  return rows[0]?.state_desc;
}
