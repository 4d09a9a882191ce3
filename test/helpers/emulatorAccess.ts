// What the restore, link and failover worlds (restoreWorld.ts, linkWorld.ts, failoverWorld.ts) give a test of a running
// emulated estate: the app's estate entry for one of its instances, its admin API as a user drives
// it, and pools that read its DMVs directly, closed with the world.
import type sql from 'mssql';
import type { RunningEstate } from '../../emulator/engine/estateServer';
import { openPool } from './emulatorPool';

/** The app's estate entry for an emulated instance: its endpoint, sa (SQL_PASSWORD), a managed instance's ARM id in rg. */
export function appInstanceConfig(emulator: RunningEstate, name: string, environment: 'production' | 'nonProduction' = 'production'): Record<string, unknown> {
  const running = emulator.find(name);
  const kind = running.instance.config.kind;
  return {
    name,
    kind,
    endpoint: { host: running.host, port: running.port, trustServerCertificate: true },
    auth: { type: 'sql', user: 'sa', passwordSetting: 'SQL_PASSWORD' },
    environment,
    ...(kind === 'managedInstance' ? { armResourceId: `/subscriptions/0/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/${name}` } : {}),
  };
}

/** The emulator's admin API (faults), as a user drives it: status and JSON body. */
export function emulatorAdmin(emulator: RunningEstate): (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }> {
  return async (method, path, body) => {
    const res = await fetch(`${emulator.adminUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
}

/** Pools to the emulated instances (no request timeout), each closed by closeAll. */
export function emulatorPools(emulator: RunningEstate): { open(instance: string): Promise<sql.ConnectionPool>; closeAll(): Promise<void> } {
  const pools: sql.ConnectionPool[] = [];
  return {
    async open(instance) {
      const p = await openPool(emulator.find(instance), { requestTimeout: 0 });
      pools.push(p);
      return p;
    },
    async closeAll() {
      await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    },
  };
}
