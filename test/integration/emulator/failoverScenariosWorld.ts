// The linked estate of test/helpers/linkWorld.ts (sql-onprem -> mi-prod: Link_Sales; sql-east ->
// mi-east: Link_Orders, 20 transactions/s on the primaries) on a clock the test moves (jump), with
// the ARM emulator on the estate's own links (so the admin API and ARM see the same link), the
// app's ArmClient, real mssql pools, and the admin APIs over HTTP(S). For the failover scenarios.
import * as https from 'node:https';
import sql from 'mssql';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { EngineArmBackend } from '../../../emulator/arm/engineBackend';
import { startArmEmulator, type ArmEmulator } from '../../../emulator/arm/server';
import { ScaledClock } from '../../../emulator/engine/clock';
import { defaultServices } from '../../../emulator/engine/defaultServices';
import type { Estate } from '../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../emulator/engine/estateServer';
import type { PollerState } from '../../../shared/arm/poller';
import { ArmClient } from '../../../shared/arm/client';
import { openPool } from '../../helpers/emulatorPool';
import { linkedEstate } from '../../helpers/linkWorld';

export const SUBSCRIPTION = '33333333-4444-5555-6666-777777777777';
export const RG = 'rg-failover';

const credential: TokenCredential = {
  getToken: (): Promise<AccessToken> => Promise.resolve({ token: 'emulator-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export interface Reply<T = unknown> {
  status: number;
  body: T;
}

export interface FailoverWorld {
  estate: RunningEstate;
  clock: ScaledClock;
  arm: ArmEmulator;
  armClient: ArmClient;
  /** moves simulated time in steps, running the workload (and automated backups) and the links as their tickers would */
  jump(ms: number, stepMs?: number): void;
  /** a query on a pool kept per instance (reopened when the instance killed its sessions) */
  rows<T>(instance: string, text: string): Promise<T[]>;
  /** the emulator's admin API */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<Reply<T>>;
  /** the ARM emulator's own admin paths (/admin/...) */
  armAdmin<T = unknown>(method: string, path: string, body?: unknown): Promise<Reply<T>>;
  /** polls an ARM operation to its end, moving the clock between polls; throws its error */
  finish(state: PollerState): Promise<void>;
  stop(): Promise<void>;
}

export async function startFailoverWorld(change?: (estate: Estate) => void): Promise<FailoverWorld> {
  const estateFile = linkedEstate();
  change?.(estateFile);
  const clock = new ScaledClock(1);
  const estate = await startEstate(estateFile, { services: defaultServices(), clock });
  const backend = new EngineArmBackend({ instances: estate.instances.map((r) => r.instance), links: estate.links, subscriptionId: SUBSCRIPTION, resourceGroup: RG });
  const arm = await startArmEmulator({ backend, retryAfterSeconds: 0 });
  const armClient = new ArmClient({ credential, subscriptionId: SUBSCRIPTION, endpoint: arm.url, ca: arm.ca, retry: { maxRetries: 2, baseDelayMs: 20 } });
  const pools = new Map<string, sql.ConnectionPool>();
  const pool = async (name: string): Promise<sql.ConnectionPool> => {
    const have = pools.get(name);
    if (have?.connected) return have;
    const p = await openPool(estate.find(name), { requestTimeout: 0, pool: { max: 2, min: 0 } });
    pools.set(name, p);
    return p;
  };
  const jump = (ms: number, stepMs = 250): void => {
    for (let left = ms; left > 0; left -= stepMs) {
      clock.advance(Math.min(stepMs, left));
      for (const r of estate.instances) r.instance.tickWorkload();
      estate.links.refresh();
    }
  };
  const admin = async <T>(method: string, path: string, body?: unknown): Promise<Reply<T>> => {
    const res = await fetch(`${estate.adminUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const armAdmin = <T>(method: string, path: string, body?: unknown): Promise<Reply<T>> =>
    new Promise((resolve, reject) => {
      const req = https.request(`${arm.url}${path}`, { method, ca: arm.ca, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as T }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    estate,
    clock,
    arm,
    armClient,
    jump,
    async rows<T>(instance: string, text: string): Promise<T[]> {
      const p = await pool(instance);
      try {
        return (await p.request().query<T>(text)).recordset;
      } catch (e) {
        // a session the instance killed (instanceDown, then back): once more on a new pool
        if ((e as { code?: string }).code !== 'ECONNRESET' && (e as { code?: string }).code !== 'ESOCKET') throw e;
        pools.delete(instance);
        await p.close().catch(() => undefined);
        return (await (await pool(instance)).request().query<T>(text)).recordset;
      }
    },
    admin,
    armAdmin,
    async finish(state: PollerState): Promise<void> {
      let r = await armClient.pollOnce(state);
      for (let i = 0; i < 20 && !r.done; i++) {
        jump(500);
        r = await armClient.pollOnce(r.state);
      }
      if (r.error) throw r.error;
      if (!r.done) throw new Error(`ARM operation ${state.kind} did not finish`);
    },
    async stop(): Promise<void> {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
      await arm.close();
      await estate.stop();
    },
  };
}
