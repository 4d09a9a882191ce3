// A whole restore world for integration tests: Azurite, the emulated estate over TDS, the app's
// estate configuration pointing at both, and the operation engine running the real restore
// playbook through the real mssql client. Backups are taken on the emulated source with BACKUP
// TO URL into a staging container, then "uploaded" into the watched container one blob at a time,
// each upload producing the BlobCreated event Event Grid would deliver.
import { randomUUID } from 'node:crypto';
import sql from 'mssql';
import { BlobServiceClient } from '@azure/storage-blob';
import { defaultServices } from '../../emulator/engine/defaultServices';
import type { Estate as EmulatedEstate, EstateInstance } from '../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../emulator/engine/estateServer';
import type { Estate } from '../../shared/config/schema';
import { validateEstate } from '../../shared/config/validate';
import { TableEventPublisher } from '../../shared/events/outgoing';
import { createOperationEngine } from '../../shared/ops/create';
import type { OperationEngine } from '../../shared/ops/engine';
import type { OperationRecord } from '../../shared/ops/types';
import { decodeWorkMessage } from '../../shared/ops/workQueue';
import { TableBlobClaims } from '../../shared/restore/claims';
import type { RestoreDeps } from '../../shared/restore/deps';
import { restorePlaybook } from '../../shared/restore/playbook';
import { refreshPlaybook } from '../../shared/refresh/playbook';
import { pointInTimeFrom } from '../../shared/refresh/pointInTime';
import { scriptsIn } from '../../shared/refresh/feature';
import { besideFolder } from '../../shared/config/load';
import { appInstanceConfig } from './emulatorAccess';
import { restoreForPlaybook, restoreFromEvent, EventOutcome } from '../../shared/restore/start';
import { BackupContainer } from '../../shared/storage/backupContainer';
import { BlobJsonStore } from '../../shared/storage/jsonStore';
import { ensureTable, StorageClients } from '../../shared/storage/clients';
import { storageFromConnectionString } from '../../shared/storage/connection';
import { SqlPools, type SqlClient } from '../../shared/sql/pools';
import type { OpsSettings } from '../../shared/ops/settings';
import { QueuePump, type QueueTriggerSettings } from '../../local/queuePump';
import { startArmEmulator, type ArmEmulator } from '../../emulator/arm/server';
import { EngineArmBackend } from '../../emulator/arm/engineBackend';
import { ArmClient } from '../../shared/arm/client';
import { armResolverFor } from '../../shared/arm/fromSettings';
import { logReplayFrom } from '../../shared/restore/logReplayService';
import { managedInstanceFactsFrom } from '../../shared/restore/managedInstanceFacts';
import { AZURITE_ACCOUNT, azuriteAccountSas, startAzurite, type AzuriteInstance } from './azurite';
import { quietLogger, ShiftableClock } from './opsHarness';
import { openPool } from './emulatorPool';

export const PASSWORD = 'Local-Only-Test-Password-7';
export const PATTERN = '{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak';

export function emulatedEstate(): EmulatedEstate {
  const login = [{ name: 'sa', password: PASSWORD, sysadmin: true }];
  const base = (name: string, extra: Partial<EstateInstance>): EstateInstance => ({
    name,
    kind: 'sqlServer',
    majorVersion: 16,
    throughputMBps: 400,
    freeSpaceGB: 500,
    defaultDataPath: '/var/opt/mssql/data/',
    defaultLogPath: '/var/opt/mssql/log/',
    logins: login,
    ...extra,
  });
  return {
    clockSpeed: 1,
    instances: [
      base('sql-onprem', {
        databases: [
          {
            name: 'Sales',
            recoveryModel: 'FULL',
            workloadTps: 20,
            sizeMB: 400,
            tables: [
              { schema: 'dbo', name: 'Customers', rows: 2500 },
              { schema: 'dbo', name: 'Orders', rows: 48000 },
              { schema: 'sales', name: 'OrderLines', rows: 190000 },
            ],
          },
          // encrypted with a key only sql-onprem holds
          { name: 'Payroll', recoveryModel: 'FULL', tde: 'customerManaged', workloadTps: 5, sizeMB: 64, tables: [{ schema: 'dbo', name: 'Salaries', rows: 900 }] },
        ],
      }),
      base('sql-dev', { databases: [] }),
      base('sql-2019', { majorVersion: 15, databases: [] }),
      {
        name: 'mi-prod',
        kind: 'managedInstance',
        updatePolicy: 'SQL Server 2022',
        throughputMBps: 400,
        freeSpaceGB: 2048,
        logins: login,
        databases: [
          { name: 'Billing', recoveryModel: 'FULL', tables: [{ schema: 'dbo', name: 'Invoices', rows: 3100 }] },
          { name: 'Vault', recoveryModel: 'FULL', tde: 'customerManaged', tables: [{ schema: 'dbo', name: 'Secrets', rows: 10 }] },
        ],
      },
      {
        name: 'mi-auto',
        kind: 'managedInstance',
        updatePolicy: 'Always-up-to-date',
        throughputMBps: 400,
        freeSpaceGB: 2048,
        logins: login,
        databases: [{ name: 'Ledger', recoveryModel: 'FULL', tables: [{ schema: 'dbo', name: 'Entries', rows: 500 }] }],
      },
    ],
  };
}

export interface RestoreWorld {
  azurite: AzuriteInstance;
  emulator: RunningEstate;
  estate: Estate;
  engine: OperationEngine;
  /** the outcome and progress events the operations published */
  events: TableEventPublisher;
  clock: ShiftableClock;
  service: BlobServiceClient;
  pump: QueuePump;
  /** a pool to an emulated instance, for looking at what the app did */
  pool(instance: string): Promise<sql.ConnectionPool>;
  /** BACKUP DATABASE on the source into the staging container; returns the staged blob paths */
  backup(database: string, options: { kind: 'full' | 'diff' | 'log'; stripes: number; timestamp: string; server?: string; copyOnly?: boolean }): Promise<string[]>;
  /** copies a staged blob into the watched container and returns the BlobCreated event */
  upload(path: string, rename?: string): Promise<Record<string, unknown>>;
  /** delivers an event to the backupUploaded logic */
  deliver(event: Record<string, unknown>): Promise<EventOutcome>;
  /** pumps the work queue until `done` holds */
  drainUntil(done: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  settled(...ids: string[]): Promise<boolean>;
  restores(): Promise<OperationRecord[]>;
  stop(): Promise<void>;
}

const accountSas = (permissions: string): string => azuriteAccountSas(permissions);

export interface WorldOptions {
  /** serve the estate's managed instances through the ARM emulator and let the playbook ask it */
  arm?: boolean;
  /** changes to the app's estate (rules, containers) before validation */
  configure?: (estate: Record<string, unknown> & { restoreRules: Record<string, unknown>[] }) => void;
  /** replaces the container adapter (e.g. to hand out a SAS SQL Server will refuse) */
  container?: (real: BackupContainer) => BackupContainer;
  /** changes to the emulated estate (clock speed, databases, throughput) before it starts */
  emulated?: (estate: EmulatedEstate) => void;
  /** engine timings instead of the world's short ones */
  engine?: Partial<OpsSettings>;
  /** wraps the SQL client the playbook gets (e.g. to count what it sends) */
  sqlClient?: (real: SqlClient) => SqlClient;
  /** how long an unreachable target is waited for (default: the playbook's 15 minutes) */
  unreachableWindowMs?: number;
  /** how often a waiting restore looks again (RESTORE_POLL_MS; the world's default is 250 ms) */
  pollMs?: number;
  /** the work queue trigger's settings (the world's default polls every 100 ms at most) */
  queue?: Partial<QueueTriggerSettings>;
  /** told when the queue trigger hands a work message to the engine */
  onWork?: (operationId: string) => void;
  /** register the refresh playbook too, on the same engine (its staging copies restore through the restore playbook) */
  refresh?: boolean;
  /** the folder sanitizing scripts given by path are read from (the estate's folder; default: the working directory) */
  estateFolder?: string;
}

export async function startRestoreWorld(options: WorldOptions = {}): Promise<RestoreWorld> {
  const emulatedConfig = emulatedEstate();
  options.emulated?.(emulatedConfig);
  const [azurite, emulator] = await Promise.all([startAzurite(), startEstate(emulatedConfig, { services: defaultServices() })]);
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  await Promise.all(['staging', 'backups'].map((c) => service.getContainerClient(c).createIfNotExists()));
  const settings = { AzureWebJobsStorage: azurite.connectionString, SQL_PASSWORD: PASSWORD };
  const instance = (name: string) => appInstanceConfig(emulator, name, name === 'sql-onprem' ? 'production' : 'nonProduction');
  const raw = {
    instances: emulatedConfig.instances.map((i) => instance(i.name)),
    backupContainers: [{ name: 'backups', url: `${azurite.blobEndpoint}/backups`, auth: { type: 'connectionSetting', setting: 'AzureWebJobsStorage' } }],
    restoreRules: [
      { name: 'to-dev', container: 'backups', pathPattern: PATTERN, target: { instance: 'sql-dev', database: '{database}_dev' }, onExisting: 'swap', verify: 'verifyonly', keepPreviousCopies: 1, stripeTimeoutMinutes: 5 },
    ] as Record<string, unknown>[],
  };
  options.configure?.(raw);
  const estate = validateEstate(raw, 'test');

  const storage = new StorageClients(storageFromConnectionString(azurite.connectionString));
  const suffix = randomUUID().replace(/-/g, '').slice(0, 8);
  const eventsTable = storage.table(`events${suffix}`);
  const claimsTable = storage.table(`claims${suffix}`);
  await Promise.all([ensureTable(eventsTable), ensureTable(claimsTable)]);
  const sqlPools = new SqlPools(settings);
  const containers = new Map<string, BackupContainer>();
  const clock = new ShiftableClock();
  const deps: RestoreDeps = {
    estate: async () => estate,
    sqlClient: (i) => (options.sqlClient ? options.sqlClient(sqlPools.client(i)) : sqlPools.client(i)),
    container: (config) => {
      let c = containers.get(config.name);
      if (!c) {
        const real = BackupContainer.fromConfig(config, settings, () => {
          throw new Error('the test estate reaches its containers with a connection string, never with an Entra identity');
        });
        c = options.container ? options.container(real) : real;
        containers.set(config.name, c);
      }
      return c;
    },
    claims: new TableBlobClaims(claimsTable),
    store: new BlobJsonStore(storage.container(`operationdata${suffix}`)),
    pollMs: options.pollMs ?? 250,
    unreachableWindowMs: options.unreachableWindowMs,
  };
  let arm: ArmEmulator | undefined;
  let armResolve: ReturnType<typeof armResolverFor> | undefined;
  if (options.arm) {
    arm = await startArmEmulator({
      backend: new EngineArmBackend({ instances: emulator.instances.map((r) => r.instance), links: emulator.links, subscriptionId: '0', resourceGroup: 'rg' }),
    });
    const client = new ArmClient({ credential: { getToken: async () => ({ token: 'test', expiresOnTimestamp: Date.now() + 3600_000 }) }, subscriptionId: '0', endpoint: arm.url, ca: arm.ca });
    const resolve = armResolverFor(() => client);
    armResolve = resolve;
    deps.managedInstanceFacts = managedInstanceFactsFrom(resolve);
    deps.logReplay = logReplayFrom(resolve);
  }
  const events = new TableEventPublisher(eventsTable);
  const holder: { engine?: OperationEngine } = {};
  const engineOf = (): OperationEngine => holder.engine as OperationEngine;
  const playbooks = [restorePlaybook(deps)];
  if (options.refresh) {
    playbooks.push(
      refreshPlaybook({
        estate: async () => estate,
        sqlClient: deps.sqlClient,
        container: deps.container,
        managedInstanceFacts: deps.managedInstanceFacts,
        startRestore: (blobUrl, target, requestedBy) => restoreForPlaybook(engineOf(), estate, (c, path) => deps.container(c).eTagOf(path), blobUrl, target, requestedBy),
        async operationState(id) {
          const op = await engineOf().get(id);
          return op && { state: op.state, error: op.error, progress: op.progress };
        },
        cancelOperation: async (id, reason) => void (await engineOf().cancel(id, 'refresh', reason)),
        pointInTime: armResolve && pointInTimeFrom(armResolve),
        readBeside: (path) => besideFolder(options.estateFolder ?? process.cwd(), path),
        scripts: scriptsIn(deps.store),
        pollMs: options.pollMs ?? 250,
      }),
    );
  }
  const engine = await createOperationEngine({
    storage,
    playbooks,
    events,
    settings: {
      queueName: `restores${suffix}`,
      operationsTable: `ops${suffix}`,
      locksTable: `locks${suffix}`,
      duplicatesTable: `dups${suffix}`,
      leaseMs: 4_000,
      leaseGraceMs: 500,
      lockRetryMs: 500,
      backoffBaseMs: 500,
      backoffMaxMs: 1_000,
      ...options.engine,
    },
    clock,
    log: quietLogger,
  });
  holder.engine = engine;
  const queue = storage.queue(engine.ctx.settings.queueName);
  const pump = new QueuePump(
    queue,
    storage.queue(`${engine.ctx.settings.queueName}-poison`),
    async (d) => {
      const work = decodeWorkMessage(d.body);
      options.onWork?.(work.operationId);
      await engine.process(work, { dequeueCount: d.dequeueCount });
    },
    { batchSize: 8, maxDequeueCount: 5, visibilityTimeoutSeconds: 2, maxPollingIntervalMs: 100, ...options.queue },
  );

  const pools: sql.ConnectionPool[] = [];
  const pool = async (name: string): Promise<sql.ConnectionPool> => {
    const p = await openPool(emulator.find(name), { requestTimeout: 0 });
    pools.push(p);
    return p;
  };
  const stagingUrl = `${azurite.blobEndpoint}/staging`;
  const sourcePools = new Map<string, sql.ConnectionPool>();
  let sequencer = 1;

  const world: RestoreWorld = {
    azurite,
    emulator,
    estate,
    engine,
    events,
    clock,
    service,
    pump,
    pool,
    async backup(database, o) {
      const server = o.server ?? 'sql-onprem';
      let p = sourcePools.get(server);
      if (!p) {
        p = await pool(server);
        sourcePools.set(server, p);
        await p.request().batch(`CREATE CREDENTIAL [${stagingUrl}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${accountSas('rwdlc')}'`);
      }
      const type = o.kind === 'full' ? 'FULL' : o.kind === 'diff' ? 'DIFF' : 'LOG';
      const paths = Array.from({ length: o.stripes }, (_, i) => `${server}/${database}/${type}/${database}_${o.timestamp}_${i + 1}of${o.stripes}.bak`);
      const to = paths.map((path) => `URL = N'${stagingUrl}/${path}'`).join(', ');
      // 4 MB transfers: a block blob holds 50,000 of them (about 195 GB a stripe; 48 GB with the 1 MB default)
      const blocks = 'MAXTRANSFERSIZE = 4194304, BLOCKSIZE = 65536';
      const statement =
        o.kind === 'log'
          ? `BACKUP LOG [${database}] TO ${to} WITH FORMAT, CHECKSUM, ${blocks}`
          : `BACKUP DATABASE [${database}] TO ${to} WITH FORMAT, CHECKSUM, ${blocks}${o.kind === 'diff' ? ', DIFFERENTIAL' : ''}${o.copyOnly ? ', COPY_ONLY' : ''}`;
      await p.request().batch(statement);
      return paths;
    },
    async upload(path, rename) {
      const target = rename ?? path;
      const body = await service.getContainerClient('staging').getBlobClient(path).downloadToBuffer();
      const blob = service.getContainerClient('backups').getBlockBlobClient(target);
      const response = await blob.uploadData(body);
      return {
        topic: `/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${AZURITE_ACCOUNT}`,
        subject: `/blobServices/default/containers/backups/blobs/${target}`,
        eventType: 'Microsoft.Storage.BlobCreated',
        eventTime: new Date().toISOString(),
        id: randomUUID(),
        data: {
          api: 'PutBlob',
          eTag: response.etag,
          contentLength: body.length,
          blobType: 'BlockBlob',
          url: blob.url,
          sequencer: (sequencer++).toString(16).padStart(32, '0'),
        },
      };
    },
    deliver: (event) => restoreFromEvent(engine, estate, event, deps.claims),
    async settled(...ids) {
      for (const id of ids) {
        const op = await engine.get(id);
        if (!op || !['succeeded', 'failed', 'cancelled'].includes(op.state)) return false;
      }
      return true;
    },
    async drainUntil(done, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > end) throw new Error('timed out waiting for the restore operations to settle');
        const n = await pump.pumpOnce();
        if (n === 0) await new Promise((r) => setTimeout(r, 50));
      }
    },
    restores: async () => (await engine.list({ kind: 'restore', limit: 1000 })).operations,
    async stop() {
      await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
      await sqlPools.closeAll();
      await arm?.close();
      await emulator.stop();
      await azurite.stop();
    },
  };
  return world;
}
