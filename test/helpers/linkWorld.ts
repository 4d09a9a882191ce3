// A link-health world for integration tests: Azurite, the emulated estate with two linked pairs
// (sql-onprem -> mi-prod: Link_Sales; sql-east -> mi-east: Link_Orders) under a steady workload, the
// ARM emulator, and the app's link monitor reading them through the real mssql and ARM clients,
// saving to real tables, publishing to a real event table, and confirming through a real queue.
import { randomUUID } from 'node:crypto';
import sql from 'mssql';
import { defaultServices } from '../../emulator/engine/defaultServices';
import type { Estate as EmulatedEstate, EstateInstance } from '../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../emulator/engine/estateServer';
import { startArmEmulator, type ArmEmulator } from '../../emulator/arm/server';
import { EngineArmBackend } from '../../emulator/arm/engineBackend';
import type { ManagedInstanceLink } from '../../emulator/link/link';
import { ArmClient } from '../../shared/arm/client';
import { armResolverFor } from '../../shared/arm/fromSettings';
import type { Estate, LinkConfig } from '../../shared/config/schema';
import { validateEstate } from '../../shared/config/validate';
import { TableEventPublisher, type LinkHealthEvent } from '../../shared/events/outgoing';
import { decodeConfirmation, StorageConfirmationQueue } from '../../shared/link/feature';
import { LinkMonitor } from '../../shared/link/monitor';
import { LinkHealthStore } from '../../shared/link/store';
import { SqlPools } from '../../shared/sql/pools';
import { ensureTable, StorageClients } from '../../shared/storage/clients';
import { storageFromConnectionString } from '../../shared/storage/connection';
import { QueuePump } from '../../local/queuePump';
import { startAzurite, type AzuriteInstance } from './azurite';
import { appInstanceConfig, emulatorAdmin, emulatorPools } from './emulatorAccess';
import { quietLogger } from './opsHarness';

export const PASSWORD = 'Local-Only-Test-Password-7';

export interface LinkWorldOptions {
  /** health thresholds for every link (confirmSeconds, samplesToChange, ...) */
  health?: Partial<LinkConfig['health']>;
  /** changes to the emulated estate before it starts */
  emulated?: (estate: EmulatedEstate) => void;
  /** the sweep's budget and per-call timeout */
  budgetMs?: number;
  callTimeoutMs?: number;
  /** the app's own table names (linkhealth, linkhistory), so a runtime built from settings reads what the monitor saved */
  appTables?: boolean;
}

export interface LinkWorld {
  azurite: AzuriteInstance;
  emulator: RunningEstate;
  arm: ArmEmulator;
  estate: Estate;
  /** the app's estate as JSON (ESTATE_JSON for a runtime built from settings) */
  estateJson: string;
  store: LinkHealthStore;
  monitor: LinkMonitor;
  events: TableEventPublisher;
  /** the emulated link object */
  link(name: 'Link_Sales' | 'Link_Orders'): ManagedInstanceLink;
  /** the emulator's admin API (faults), as a user drives it: status and JSON body */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** a pool to an emulated instance, to read the DMVs directly */
  pool(instance: string): Promise<sql.ConnectionPool>;
  /** processes the confirmation messages that are visible now; how many */
  pumpConfirmations(): Promise<number>;
  linkEvents(link?: string): Promise<LinkHealthEvent[]>;
  stop(): Promise<void>;
}

export function linkedEstate(): EmulatedEstate {
  const logins = [{ name: 'sa', password: PASSWORD, sysadmin: true }];
  const instance = (name: string, kind: 'sqlServer' | 'managedInstance', databases: string[]): EstateInstance => ({
    name,
    kind,
    ...(kind === 'sqlServer' ? { majorVersion: 16 } : { updatePolicy: 'SQL Server 2022' }),
    throughputMBps: 400,
    freeSpaceGB: 500,
    logins,
    // the application writes on the primary; the managed instance holds the seeded copy
    databases: databases.map((db) => ({ name: db, recoveryModel: 'FULL', workloadTps: kind === 'sqlServer' ? 20 : 0, sizeMB: 64, tables: [{ schema: 'dbo', name: 'T', rows: 100 }] })),
  } as EstateInstance);
  return {
    clockSpeed: 1,
    instances: [instance('sql-onprem', 'sqlServer', ['Sales']), instance('mi-prod', 'managedInstance', ['Sales']), instance('sql-east', 'sqlServer', ['Orders']), instance('mi-east', 'managedInstance', ['Orders'])],
    links: [
      { name: 'Link_Sales', sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Sales' }, managedInstance: { instance: 'mi-prod' }, databases: ['Sales'] },
      { name: 'Link_Orders', sqlServer: { instance: 'sql-east', availabilityGroup: 'AG_Orders' }, managedInstance: { instance: 'mi-east' }, databases: ['Orders'] },
    ],
  };
}

export async function startLinkWorld(options: LinkWorldOptions = {}): Promise<LinkWorld> {
  const emulatedConfig = linkedEstate();
  options.emulated?.(emulatedConfig);
  const [azurite, emulator] = await Promise.all([startAzurite(), startEstate(emulatedConfig, { services: defaultServices() })]);
  const arm = await startArmEmulator({
    backend: new EngineArmBackend({ instances: emulator.instances.map((r) => r.instance), links: emulator.links, subscriptionId: '0', resourceGroup: 'rg' }),
  });
  const health = { maxLagSeconds: 60, maxLogSendQueueKb: 1_048_576, maxRedoQueueKb: 1_048_576, samplesToChange: 3, certificateWarningDays: 30, maxLogUsedPercent: 80, confirmSeconds: 10, ...options.health };
  const raw = {
    instances: ['sql-onprem', 'mi-prod', 'sql-east', 'mi-east'].map((name) => appInstanceConfig(emulator, name)),
    links: [
      { name: 'Link_Sales', sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Sales' }, managedInstance: { instance: 'mi-prod' }, distributedAvailabilityGroup: 'Link_Sales', databases: ['Sales'], health },
      { name: 'Link_Orders', sqlServer: { instance: 'sql-east', availabilityGroup: 'AG_Orders' }, managedInstance: { instance: 'mi-east' }, distributedAvailabilityGroup: 'Link_Orders', databases: ['Orders'], health },
    ],
  };
  const estate = validateEstate(raw, 'test');

  const storage = new StorageClients(storageFromConnectionString(azurite.connectionString));
  const suffix = randomUUID().replace(/-/g, '').slice(0, 8);
  const own = options.appTables ? '' : suffix;
  const tables = [storage.table(`linkhealth${own}`), storage.table(`linkhistory${own}`), storage.table(`events${own}`)];
  await Promise.all(tables.map(ensureTable));
  const store = new LinkHealthStore(tables[0], tables[1]);
  const events = new TableEventPublisher(tables[2]);
  const queue = storage.queue(`linkconfirm${suffix}`);
  await queue.createIfNotExists();
  const sqlPools = new SqlPools({ SQL_PASSWORD: PASSWORD });
  const armClient = new ArmClient({ credential: { getToken: async () => ({ token: 'test', expiresOnTimestamp: Date.now() + 3600_000 }) }, subscriptionId: '0', endpoint: arm.url, ca: arm.ca });
  const monitor = new LinkMonitor({
    estate: async () => estate,
    sources: { sql: (i) => sqlPools.client(i), arm: armResolverFor(() => armClient) },
    store,
    events,
    confirmations: new StorageConfirmationQueue(queue),
    options: { concurrency: 8, callTimeoutMs: options.callTimeoutMs ?? 5_000, budgetMs: options.budgetMs ?? 10_000 },
    log: quietLogger,
    now: () => new Date(),
  });
  const pump = new QueuePump(
    queue,
    storage.queue(`linkconfirm${suffix}-poison`),
    async (d) => {
      const m = decodeConfirmation(d.body);
      await monitor.confirm(m.link, m.dueAt);
    },
    { batchSize: 8, maxDequeueCount: 5, visibilityTimeoutSeconds: 30, maxPollingIntervalMs: 100 },
  );
  const pools = emulatorPools(emulator);
  return {
    azurite,
    emulator,
    arm,
    estate,
    estateJson: JSON.stringify(raw),
    store,
    monitor,
    events,
    link(name) {
      const found = emulator.links.links().find((l) => l.name === name);
      if (!found) throw new Error(`no emulated link ${name}`);
      return found;
    },
    admin: emulatorAdmin(emulator),
    pool: (name) => pools.open(name),
    pumpConfirmations: () => pump.pumpOnce(),
    async linkEvents(link) {
      return (await events.recentLinkEvents(500)).filter((e) => !link || e.subject === `links/${link}`).reverse();
    },
    async stop() {
      await pools.closeAll();
      await sqlPools.closeAll();
      await arm.close();
      await emulator.stop();
      await azurite.stop();
    },
  };
}
