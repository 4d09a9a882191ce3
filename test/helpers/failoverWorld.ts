// A failover world for integration tests: Azurite, the emulated linked estate (sql-onprem primary
// -> mi-prod secondary, database Sales, under a workload), the ARM emulator with a Private DNS zone,
// and the app's failover feature pieces (link monitor, decision store, intake, failover playbook)
// on the in-memory operation engine, talking to the emulator through the real mssql, ARM and
// Private DNS clients.
import { randomUUID } from 'node:crypto';
import sql from 'mssql';
import { defaultServices } from '../../emulator/engine/defaultServices';
import type { Estate as EmulatedEstate } from '../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../emulator/engine/estateServer';
import { startArmEmulator, type ArmEmulator } from '../../emulator/arm/server';
import { EngineArmBackend } from '../../emulator/arm/engineBackend';
import type { ManagedInstanceLink } from '../../emulator/link/link';
import { ArmClient } from '../../shared/arm/client';
import { armResolverFor } from '../../shared/arm/fromSettings';
import type { Estate } from '../../shared/config/schema';
import { validateEstate } from '../../shared/config/validate';
import { TableEventPublisher } from '../../shared/events/outgoing';
import { DecisionStore } from '../../shared/failover/decisionStore';
import { FailoverIntake } from '../../shared/failover/intake';
import { failoverPlaybook, type FailoverDeps } from '../../shared/failover/playbook';
import { LinkSides } from '../../shared/failover/sides';
import { LinkMonitor } from '../../shared/link/monitor';
import { WebhookNotifier } from '../../shared/notify/webhook';
import { LinkHealthStore } from '../../shared/link/store';
import type { Playbook } from '../../shared/ops/playbook';
import { PrivateDnsCname } from '../../shared/redirect/privateDnsCname';
import { TableBlobClaims } from '../../shared/restore/claims';
import type { RestoreDeps } from '../../shared/restore/deps';
import { managedInstanceFactsFrom } from '../../shared/restore/managedInstanceFacts';
import { restorePlaybook } from '../../shared/restore/playbook';
import { restoreFromRequest } from '../../shared/restore/start';
import { BlobJsonStore } from '../../shared/storage/jsonStore';
import { SqlPools } from '../../shared/sql/pools';
import { BackupContainer } from '../../shared/storage/backupContainer';
import { ensureTable, StorageClients } from '../../shared/storage/clients';
import { storageFromConnectionString } from '../../shared/storage/connection';
import { startAzurite, type AzuriteInstance } from './azurite';
import { appInstanceConfig, emulatorAdmin, emulatorPools } from './emulatorAccess';
import { linkedEstate, PASSWORD } from './linkWorld';
import { memoryHarness, type MemoryHarness } from './memoryEngine';
import { quietLogger } from './opsHarness';

export const ZONE_ID = '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/corp.internal';
export const HOSTS = { sqlServer: 'sql-onprem.corp.internal', managedInstance: 'mi-prod.abc123.database.windows.net' };

export interface FailoverWorldOptions {
  /** the link's failover policy (merged over a fast test policy) */
  policy?: Record<string, unknown>;
  /** changes to the emulated estate before it starts */
  emulated?: (estate: EmulatedEstate) => void;
  /** wraps the playbook (to act out a crash) */
  wrap?: (p: Playbook) => Playbook;
  /** how long each emulated ARM operation takes (default 300 ms) */
  armOperationMs?: number;
  /** the estate's alert routes */
  alertRoutes?: unknown[];
  /** register the restore playbook too (offline failback restores through it) */
  withRestore?: boolean;
  /** app settings beside the world's own (webhook URLs for the routes' webhookSetting) */
  settings?: Record<string, string>;
}

export interface FailoverWorld {
  azurite: AzuriteInstance;
  emulator: RunningEstate;
  arm: ArmEmulator;
  estate: Estate;
  health: LinkHealthStore;
  decisions: DecisionStore;
  monitor: LinkMonitor;
  intake: FailoverIntake;
  ops: MemoryHarness;
  redirect: PrivateDnsCname;
  container: BackupContainer;
  link(): ManagedInstanceLink;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  pool(instance: string): Promise<sql.ConnectionPool>;
  /** one sweep of the link monitor, whose samples go to the intake */
  sweep(): Promise<void>;
  /** what a DBA would compare before and after a dry run: roles, modes, lost data, ARM, DNS, msdb */
  snapshot(): Promise<unknown>;
  /** pumps the engine until the operation ends (or the timeout) */
  settle(id: string, timeoutMs?: number): Promise<void>;
  /** POSTs to ARM ending in /failover, as the ARM emulator logged them */
  failoverCalls(): number;
  stop(): Promise<void>;
}

export async function startFailoverWorld(options: FailoverWorldOptions = {}): Promise<FailoverWorld> {
  const emulated = linkedEstate();
  emulated.instances = emulated.instances.filter((i) => i.name === 'sql-onprem' || i.name === 'mi-prod');
  emulated.links = (emulated.links ?? []).filter((l) => l.name === 'Link_Sales');
  // a customer-managed TDE key: the way back to SQL Server stays open (service-managed TDE closes it)
  for (const i of emulated.instances) if (i.kind === 'managedInstance') for (const d of i.databases ?? []) d.tde = 'customerManaged';
  options.emulated?.(emulated);
  const [azurite, emulator] = await Promise.all([startAzurite(), startEstate(emulated, { services: defaultServices() })]);
  const arm = await startArmEmulator({
    backend: new EngineArmBackend({ instances: emulator.instances.map((r) => r.instance), links: emulator.links, subscriptionId: '0', resourceGroup: 'rg' }),
    operationDurationMs: options.armOperationMs ?? 300,
    privateDnsZones: [{ resourceGroup: 'rg', name: 'corp.internal' }],
  });
  const suffix = randomUUID().replace(/-/g, '').slice(0, 8);
  const containerName = `backups${suffix}`;
  const raw = {
    instances: ['sql-onprem', 'mi-prod'].map((name) => appInstanceConfig(emulator, name)),
    backupContainers: [{ name: 'backups', url: `${azurite.blobEndpoint}/${containerName}`, auth: { type: 'connectionSetting', setting: 'STORAGE' } }],
    links: [
      {
        name: 'Link_Sales',
        sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Sales' },
        managedInstance: { instance: 'mi-prod' },
        distributedAvailabilityGroup: 'Link_Sales',
        databases: ['Sales'],
        health: { samplesToChange: 1, confirmSeconds: 1 },
        failover: { mode: 'automatic', allowedTypes: ['planned', 'forced', 'failback', 'offline-failback', 'cutover', 'split-brain-repair'], dataLossBudgetSeconds: 30, cooldownMinutes: 0, consecutiveSignals: 1, lsnHoldSeconds: 1, convergeTimeoutSeconds: 10, ...options.policy },
        redirect: { zoneResourceId: ZONE_ID, recordName: 'app-sales', ttlSeconds: 30, hostNames: HOSTS },
      },
    ],
    alertRoutes: options.alertRoutes ?? [],
  };
  const estate = validateEstate(raw, 'test');
  const settings = { ...options.settings, SQL_PASSWORD: PASSWORD, STORAGE: azurite.connectionString };
  const storage = new StorageClients(storageFromConnectionString(azurite.connectionString));
  const tables = [storage.table(`linkhealth${suffix}`), storage.table(`linkhistory${suffix}`), storage.table(`events${suffix}`), storage.table(`decisions${suffix}`), storage.table(`claims${suffix}`)];
  await Promise.all(tables.map(ensureTable));
  const health = new LinkHealthStore(tables[0], tables[1]);
  const decisions = new DecisionStore(tables[3]);
  const sqlPools = new SqlPools(settings);
  const token = { getToken: async () => ({ token: 'test', expiresOnTimestamp: Date.now() + 3600_000 }) };
  const armClient = new ArmClient({ credential: token, subscriptionId: '0', endpoint: arm.url, ca: arm.ca });
  const armResolver = armResolverFor(() => armClient);
  const redirect = new PrivateDnsCname({ credential: token, endpoint: arm.url, ca: arm.ca });
  const container = BackupContainer.fromConfig(estate.backupContainers[0], settings, () => token);
  await container.ensureExists();
  const holder: { ops?: MemoryHarness } = {};
  const notifier = new WebhookNotifier(settings, { backoffMs: 20, timeoutMs: 2_000 });
  const intake = new FailoverIntake({ estate: async () => estate, health, decisions, engine: () => (holder.ops as MemoryHarness).engine, notifier, log: quietLogger, now: () => new Date() });
  const deps: FailoverDeps = {
    estate: async () => estate,
    sides: (link, instances) => new LinkSides(link, instances, { sql: (i) => sqlPools.client(i), arm: armResolver, callTimeoutMs: 5_000 }),
    redirect,
    container: () => container,
    notifyOutcome: (link, summary, detail) => intake.notifyOutcome(link, summary, detail),
    pollMs: 200,
    verifyTimeoutMs: 10_000,
  };
  const playbooks: Playbook[] = [];
  if (options.withRestore) {
    const restoreDeps: RestoreDeps = {
      estate: async () => estate,
      sqlClient: (i) => sqlPools.client(i),
      container: () => container,
      claims: new TableBlobClaims(tables[4]),
      store: new BlobJsonStore(storage.container(`operationdata${suffix}`)),
      managedInstanceFacts: managedInstanceFactsFrom(armResolver),
      pollMs: 250,
    };
    playbooks.push(restorePlaybook(restoreDeps));
    deps.startRestore = async (blobUrl, target, requestedBy) => {
      const eTag = (await container.eTagOf(container.pathOf(blobUrl) as string)) ?? '';
      const r = await restoreFromRequest(holder.ops?.engine as MemoryHarness['engine'], estate, { blobUrl, target, onExisting: 'fail', requestedBy }, eTag);
      return r.operation.id;
    };
    deps.operationState = async (id) => {
      const op = await holder.ops?.engine.get(id);
      return op && { state: op.state, error: op.error };
    };
  }
  const playbook = failoverPlaybook(deps);
  playbooks.push(options.wrap ? options.wrap(playbook) : playbook);
  const ops = memoryHarness(playbooks);
  holder.ops = ops;
  const monitor = new LinkMonitor({
    estate: async () => estate,
    sources: { sql: (i) => sqlPools.client(i), arm: armResolver },
    store: health,
    events: new TableEventPublisher(tables[2]),
    confirmations: { schedule: async () => undefined },
    options: { concurrency: 4, callTimeoutMs: 3_000, budgetMs: 8_000 },
    log: quietLogger,
    now: () => new Date(),
    onSaved: (record, transition) => intake.onHealth(record, transition),
  });
  const pools = emulatorPools(emulator);
  const harness = ops;
  const world: FailoverWorld = {
    azurite,
    emulator,
    arm,
    estate,
    health,
    decisions,
    monitor,
    intake,
    ops: harness,
    redirect,
    container,
    link() {
      const found = emulator.links.links().find((l) => l.name === 'Link_Sales');
      if (!found) throw new Error('no emulated link Link_Sales');
      return found;
    },
    admin: emulatorAdmin(emulator),
    pool: (name) => pools.open(name),
    async sweep() {
      await monitor.sweep();
    },
    async snapshot() {
      const l = world.link();
      const sides = deps.sides(estate.links[0], estate.instances);
      const obs = await sides.observe();
      const strip = (s: typeof obs.sqlServer): unknown => ({ role: s.role, modes: s.modes, unreachable: Boolean(s.unreachable), databases: s.databases.map((d) => ({ database: d.database, state: d.synchronizationState, suspended: d.isSuspended })) });
      const backups = async (instance: string): Promise<number | 'unreachable'> => {
        try {
          const p = await world.pool(instance);
          const r = await p.request().query<{ n: number }>('SELECT COUNT(*) AS n FROM msdb.dbo.backupset');
          return r.recordset[0].n;
        } catch {
          return 'unreachable';
        }
      };
      const armLink = obs.arm && 'unreachable' in obs.arm ? obs.arm : obs.arm && { instanceLinkRole: obs.arm.instanceLinkRole, partnerLinkRole: obs.arm.partnerLinkRole, replicationMode: obs.arm.replicationMode };
      return {
        roles: { partner: l.partner.role, instance: l.instance.role },
        lost: l.lost.length,
        sqlServer: strip(obs.sqlServer),
        managedInstance: strip(obs.managedInstance),
        arm: armLink,
        dns: await redirect.current({ zoneResourceId: ZONE_ID, recordName: 'app-sales', ttlSeconds: 30 }),
        backups: { sqlServer: await backups('sql-onprem'), managedInstance: await backups('mi-prod') },
        blobs: (await container.list('')).length,
      };
    },
    async settle(id, timeoutMs = 60_000) {
      await harness.drainUntil(() => harness.settled(id), timeoutMs);
    },
    failoverCalls() {
      return arm.requests.filter((r) => r.method === 'POST' && /\/failover(\?|$)/i.test(r.path)).length;
    },
    async stop() {
      await pools.closeAll();
      await sqlPools.closeAll();
      await arm.close();
      await emulator.stop();
      await azurite.stop();
    },
  };
  return world;
}
