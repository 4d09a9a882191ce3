// One link-health sweep over 10 managed instances x 100 links, the way the deployed timer runs it:
// the app's defaults (8 instances at once, 10-s call timeout, 20-s budget), the real mssql and ARM
// clients, the state, history and event writes to table storage. The ARM emulator answers after
// `armLatencyMs`, because ARM is a remote service and the emulator is a loopback call.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EngineArmBackend } from '../emulator/arm/engineBackend';
import { startArmEmulator } from '../emulator/arm/server';
import { defaultServices } from '../emulator/engine/defaultServices';
import { startEstate } from '../emulator/engine/estateServer';
import { manyLinks } from '../emulator/engine/generatedEstate';
import { ArmClient } from '../shared/arm/client';
import { armResolverFor } from '../shared/arm/fromSettings';
import { validateEstate } from '../shared/config/validate';
import { TableEventPublisher } from '../shared/events/outgoing';
import { collectOptions, StorageConfirmationQueue } from '../shared/link/feature';
import { LinkMonitor, type SweepReport } from '../shared/link/monitor';
import { LinkHealthStore } from '../shared/link/store';
import { SqlPools } from '../shared/sql/pools';
import { ensureTable, StorageClients } from '../shared/storage/clients';
import { storageFromConnectionString } from '../shared/storage/connection';
import type { AzuriteInstance } from '../local/azurite';
import { quietLogger } from '../test/helpers/opsHarness';

export interface LinkSweepResult {
  managedInstances: number;
  links: number;
  armLatencyMs: number;
  concurrency: number;
  /** the first sweep opens the SQL pools (TLS and login to 20 instances) */
  coldMs: number;
  /** the sweeps after it */
  p50Ms: number;
  maxMs: number;
  /** reading the instances, within the sweep */
  collectP50Ms: number;
  calls: { sql: number; arm: number };
  healthy: number;
}

const PASSWORD = 'Bench-Local-Only-Password-1';
const SUBSCRIPTION = '00000000-0000-0000-0000-00000000beef';

export async function benchLinkSweep(azurite: AzuriteInstance, sweeps: number, armLatencyMs: number): Promise<LinkSweepResult> {
  const managedInstances = 10;
  const emulated = manyLinks({ managedInstances, linksPerInstance: 100, login: { name: 'sa', password: PASSWORD } });
  const emulator = await startEstate(emulated, { services: defaultServices() });
  const arm = await startArmEmulator({
    backend: new EngineArmBackend({ instances: emulator.instances.map((r) => r.instance), links: emulator.links, subscriptionId: SUBSCRIPTION, resourceGroup: 'rg' }),
    responseDelayMs: armLatencyMs,
  });
  const sqlPools = new SqlPools({ SQL_PASSWORD: PASSWORD });
  try {
    const estate = validateEstate(
      {
        instances: emulator.instances.map((r) => ({
          name: r.instance.config.name,
          kind: r.instance.config.kind,
          endpoint: { host: r.host, port: r.port, trustServerCertificate: true },
          auth: { type: 'sql', user: r.instance.config.kind === 'managedInstance' ? 'miadmin' : 'sa', passwordSetting: 'SQL_PASSWORD' },
          environment: 'production',
          ...(r.instance.config.kind === 'managedInstance' ? { armResourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/${r.instance.config.name}` } : {}),
        })),
        // two links of different managed instances share a name (Link_db000 on each): the app's names carry the instance
        links: (emulated.links ?? []).map((l) => ({
          name: `${l.managedInstance.instance}.${l.name}`,
          sqlServer: l.sqlServer,
          managedInstance: l.managedInstance,
          distributedAvailabilityGroup: l.name,
          databases: l.databases,
        })),
      },
      'bench',
    );
    const storage = new StorageClients(storageFromConnectionString(azurite.connectionString));
    const suffix = randomUUID().replace(/-/g, '').slice(0, 8);
    const tables = [storage.table(`linkhealth${suffix}`), storage.table(`linkhistory${suffix}`), storage.table(`events${suffix}`)];
    await Promise.all(tables.map(ensureTable));
    const queue = storage.queue(`linkconfirm${suffix}`);
    await queue.createIfNotExists();
    const armClient = new ArmClient({ credential: { getToken: async () => ({ token: 'bench', expiresOnTimestamp: Date.now() + 3600_000 }) }, subscriptionId: SUBSCRIPTION, endpoint: arm.url, ca: arm.ca });
    const options = collectOptions({});
    const monitor = new LinkMonitor({
      estate: async () => estate,
      sources: { sql: (i) => sqlPools.client(i), arm: armResolverFor(() => armClient) },
      store: new LinkHealthStore(tables[0], tables[1]),
      events: new TableEventPublisher(tables[2]),
      confirmations: new StorageConfirmationQueue(queue),
      options,
      log: quietLogger,
      now: () => new Date(),
    });
    const reports: SweepReport[] = [];
    const wall: number[] = [];
    for (let i = 0; i <= sweeps; i++) {
      const t = performance.now();
      reports.push(await monitor.sweep());
      wall.push(performance.now() - t);
      // the timer's spacing matters only to the duplicate check (half the confirmation interval)
      await new Promise((r) => setTimeout(r, 5_100));
    }
    const warm = wall.slice(1).sort((a, b) => a - b);
    const collectWarm = reports.slice(1).map((r) => r.collectMs).sort((a, b) => a - b);
    const last = reports[reports.length - 1];
    for (const r of reports) {
      if (r.calls.sql !== 2 * managedInstances || r.calls.arm !== managedInstances) throw new Error(`a sweep made ${r.calls.sql} SQL and ${r.calls.arm} ARM calls`);
      if (r.duplicates > 0 || r.links !== 1000) throw new Error(`a sweep saved ${r.links - r.duplicates} of ${r.links} links`);
    }
    return {
      managedInstances,
      links: last.links,
      armLatencyMs,
      concurrency: options.concurrency,
      coldMs: Math.round(wall[0]),
      p50Ms: Math.round(warm[Math.floor(warm.length / 2)]),
      maxMs: Math.round(warm[warm.length - 1]),
      collectP50Ms: Math.round(collectWarm[Math.floor(collectWarm.length / 2)]),
      calls: last.calls,
      healthy: last.states.healthy,
    };
  } finally {
    await sqlPools.closeAll();
    await arm.close();
    await emulator.stop();
  }
}
