// An emulated estate with the Managed Instance link and the ARM emulator over HTTPS, and real
// shared/arm clients that trust the emulator's CA in-process (the pipeline's tlsOptions).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import sql from 'mssql';
import { EngineArmBackend } from '../../../emulator/arm/engineBackend';
import { startArmEmulator, type ArmEmulator } from '../../../emulator/arm/server';
import { ScaledClock } from '../../../emulator/engine/clock';
import { defaultServices } from '../../../emulator/engine/defaultServices';
import type { Estate } from '../../../emulator/engine/estate';
import { startEstate, type RunningEstate, type RunningInstance } from '../../../emulator/engine/estateServer';
import type { ManagedInstanceLink } from '../../../emulator/link/link';
import { LinkRegistry } from '../../../emulator/link/registry';
import { ArmClient } from '../../../shared/arm/client';

export const PASSWORD = 'Local-Only-Test-Password-1';
export const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
export const RG = 'rg-link';
/** simulated ms an ARM operation takes here: a test moves the clock (jump) to let it finish */
export const OPERATION_MS = 2_000;

/** any TokenCredential will do: the emulator wants a bearer token but does not validate it */
export const fakeCredential: TokenCredential = {
  getToken: (): Promise<AccessToken> => Promise.resolve({ token: 'emulator-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export interface ArmWorld {
  estate: RunningEstate;
  clock: ScaledClock;
  links: LinkRegistry;
  link: ManagedInstanceLink;
  arm: ArmEmulator;
  caPath: string;
  client(): ArmClient;
  /** moves simulated time in steps, running the workload and the link as the tickers would */
  jump(ms: number, stepMs?: number): void;
  query<T>(instance: string, text: string): Promise<T[]>;
  stop(): Promise<void>;
}

function estate(): Estate {
  return {
    clockSpeed: 1,
    instances: [
      {
        name: 'sql-onprem',
        kind: 'sqlServer',
        logins: [{ name: 'sa', password: PASSWORD }],
        databases: [
          { name: 'Sales', recoveryModel: 'FULL', workloadTps: 50, tables: [{ name: 'Orders', rows: 1000 }] },
          { name: 'Inventory', recoveryModel: 'FULL', sizeMB: 16 },
        ],
      },
      {
        name: 'mi-prod',
        kind: 'managedInstance',
        updatePolicy: 'SQL Server 2022',
        logins: [{ name: 'miadmin', password: PASSWORD }],
        databases: [{ name: 'Sales' }, { name: 'Billing', tde: 'customerManaged' }],
      },
      {
        name: 'mi-dev',
        kind: 'managedInstance',
        updatePolicy: 'Always-up-to-date',
        freeSpaceGB: 256,
        logins: [{ name: 'miadmin', password: PASSWORD }],
        databases: [{ name: 'Scratch' }],
      },
    ],
  };
}

export async function startArmWorld(): Promise<ArmWorld> {
  const clock = new ScaledClock(1);
  const running = await startEstate(estate(), { services: defaultServices(), clock });
  const links = new LinkRegistry(clock);
  const sqlServer = running.find('sql-onprem').instance;
  const mi = running.find('mi-prod').instance;
  const link = links.create({
    name: 'Link_Sales',
    partner: { host: sqlServer, availabilityGroupName: 'AG_Sales', endpointUrl: 'TCP://sql-onprem:5022' },
    instance: { host: mi, availabilityGroupName: 'mi-prod', endpointUrl: 'TCP://mi-prod.emulator.database.windows.net:5022' },
    databases: ['Sales'],
    failoverMode: 'Manual',
    network: { bandwidthKBps: 2048, latencyMs: 20 },
  });
  links.start(100);
  // T-SQL ALTER / DROP AVAILABILITY GROUP on either instance reaches this registry's link
  for (const r of running.instances) r.instance.links = links;
  const dir = mkdtempSync(path.join(tmpdir(), 'arm-emulator-'));
  const caPath = path.join(dir, 'ca.pem');
  const backend = new EngineArmBackend({ instances: running.instances.map((r) => r.instance), links, subscriptionId: SUBSCRIPTION, resourceGroup: RG });
  const arm = await startArmEmulator({ backend, caPath, retryAfterSeconds: 0, operationDurationMs: OPERATION_MS });
  const pools: sql.ConnectionPool[] = [];
  const pool = async (target: RunningInstance): Promise<sql.ConnectionPool> => {
    const p = new sql.ConnectionPool({
      server: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: 'master',
      options: { encrypt: true, trustServerCertificate: true },
      pool: { max: 2, min: 0 },
    });
    pools.push(p);
    return p.connect();
  };
  const byName = new Map<string, Promise<sql.ConnectionPool>>();
  return {
    estate: running,
    clock,
    links,
    link,
    arm,
    caPath,
    jump(ms: number, stepMs = 1000): void {
      for (let left = ms; left > 0; left -= stepMs) {
        clock.advance(Math.min(stepMs, left));
        for (const r of running.instances) r.instance.tickWorkload();
        links.refresh();
      }
    },
    client: () => new ArmClient({ credential: fakeCredential, subscriptionId: SUBSCRIPTION, endpoint: arm.url, ca: arm.ca, retry: { maxRetries: 3, baseDelayMs: 50 } }),
    async query<T>(instance: string, text: string): Promise<T[]> {
      if (!byName.has(instance)) byName.set(instance, pool(running.find(instance)));
      const p = await (byName.get(instance) as Promise<sql.ConnectionPool>);
      links.refresh();
      const r = await p.request().query<T>(text);
      return r.recordset;
    },
    async stop(): Promise<void> {
      links.stop();
      await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
      await arm.close();
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
