// An estate as a link-health monitor meets it: a SQL Server and a managed instance with a link
// from the estate file, the ARM emulator over HTTPS on the same links, and the real clients: mssql
// (tedious) over TDS, FreeTDS tsql, the app's ArmClient, and the admin API over HTTP. Time moves by
// advancing the estate's clock (jump), never by sleeping.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import sql from 'mssql';
import { EngineArmBackend } from '../../../../emulator/arm/engineBackend';
import { startArmEmulator, type ArmEmulator } from '../../../../emulator/arm/server';
import { ScaledClock } from '../../../../emulator/engine/clock';
import { defaultServices } from '../../../../emulator/engine/defaultServices';
import type { Estate } from '../../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../../emulator/engine/estateServer';
import { ArmClient } from '../../../../shared/arm/client';

export const PASSWORD = 'Local-Only-Monitor-Password-7';
export const SUBSCRIPTION = '22222222-3333-4444-5555-666666666666';
export const RG = 'rg-monitor';
export const TSQL = '/usr/bin/tsql';
export const hasTsql = existsSync(TSQL);

const credential: TokenCredential = {
  getToken: (): Promise<AccessToken> => Promise.resolve({ token: 'emulator-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export function monitorEstate(extra: Partial<Estate> = {}): Estate {
  const login = [{ name: 'sa', password: PASSWORD }];
  return {
    clockSpeed: 1,
    instances: [
      {
        name: 'sql-onprem',
        kind: 'sqlServer',
        logins: login,
        databases: [
          { name: 'Sales', recoveryModel: 'FULL', workloadTps: 50 },
          { name: 'Inventory', recoveryModel: 'FULL', workloadTps: 20 },
        ],
      },
      { name: 'mi-prod', kind: 'managedInstance', updatePolicy: 'SQL Server 2022', logins: [{ name: 'miadmin', password: PASSWORD }], databases: [{ name: 'Sales' }, { name: 'Inventory' }] },
    ],
    links: [
      { name: 'Link_Sales', sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Sales' }, managedInstance: { instance: 'mi-prod' }, databases: ['Sales'], bandwidthKBps: 2048, latencyMs: 20 },
      { name: 'Link_Inventory', sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Inventory' }, managedInstance: { instance: 'mi-prod' }, databases: ['Inventory'], bandwidthKBps: 2048, latencyMs: 20 },
    ],
    ...extra,
  };
}

export interface QueryResult<T> {
  rows: T[];
  /** column name -> the mssql type the wire announced (sql.TinyInt, sql.Int ...) */
  types: Record<string, unknown>;
}

export interface MonitorWorld {
  estate: RunningEstate;
  clock: ScaledClock;
  arm: ArmEmulator;
  armClient: ArmClient;
  /** moves simulated time in steps, running the workload and the links as their tickers would */
  jump(ms: number, stepMs?: number): void;
  query<T>(instance: string, text: string): Promise<QueryResult<T>>;
  rows<T>(instance: string, text: string): Promise<T[]>;
  /** the admin API: status and JSON body */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** FreeTDS tsql (its default encryption setting unless `env` points FREETDSCONF elsewhere); stdout and stderr */
  tsql(instance: string, script: string, env?: Record<string, string>): Promise<{ code: number | null; out: string }>;
  stop(): Promise<void>;
}

export async function startMonitorWorld(estateFile: Estate = monitorEstate()): Promise<MonitorWorld> {
  const clock = new ScaledClock(1);
  const estate = await startEstate(estateFile, { services: defaultServices(), clock });
  const backend = new EngineArmBackend({ instances: estate.instances.map((r) => r.instance), links: estate.links, subscriptionId: SUBSCRIPTION, resourceGroup: RG });
  const arm = await startArmEmulator({ backend, retryAfterSeconds: 0 });
  const armClient = new ArmClient({ credential, subscriptionId: SUBSCRIPTION, endpoint: arm.url, ca: arm.ca, retry: { maxRetries: 2, baseDelayMs: 20 } });
  const pools = new Map<string, Promise<sql.ConnectionPool>>();
  const pool = (name: string): Promise<sql.ConnectionPool> => {
    let p = pools.get(name);
    if (!p) {
      const r = estate.find(name);
      p = new sql.ConnectionPool({
        server: r.host,
        port: r.port,
        user: r.user,
        password: r.password,
        database: 'master',
        options: { encrypt: true, trustServerCertificate: true },
        pool: { max: 2, min: 0 },
      }).connect();
      pools.set(name, p);
    }
    return p;
  };
  const query = async <T>(instance: string, text: string): Promise<QueryResult<T>> => {
    const r = await (await pool(instance)).request().query<T>(text);
    const types: Record<string, unknown> = {};
    for (const [name, col] of Object.entries(r.recordset.columns)) types[name] = col.type;
    return { rows: r.recordset, types };
  };
  return {
    estate,
    clock,
    arm,
    armClient,
    jump(ms: number, stepMs = 250): void {
      for (let left = ms; left > 0; left -= stepMs) {
        clock.advance(Math.min(stepMs, left));
        for (const r of estate.instances) r.instance.tickWorkload();
        estate.links.refresh();
      }
    },
    query,
    rows: async <T>(instance: string, text: string): Promise<T[]> => (await query<T>(instance, text)).rows,
    async admin(method: string, path: string, body?: unknown) {
      const res = await fetch(`${estate.adminUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    },
    tsql(instance: string, script: string, env: Record<string, string> = {}) {
      const r = estate.find(instance);
      return new Promise((resolve, reject) => {
        const child = spawn(TSQL, ['-H', r.host, '-p', String(r.port), '-U', r.user, '-P', r.password, '-o', 'q'], { env: { ...process.env, TDSVER: '7.4', ...env } });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
        child.stdin.end(`${script}\ngo\nexit\n`);
      });
    },
    async stop(): Promise<void> {
      await Promise.all([...pools.values()].map(async (p) => (await p.catch(() => undefined))?.close()));
      await arm.close();
      await estate.stop();
    },
  };
}

/** the four queries of REFERENCE 4.3, verbatim (the link's name filled in) */
export function referenceQueries(link: string): Record<'health' | 'lag' | 'snapshot' | 'rpo', string> {
  return {
    health: `DECLARE @link_name varchar(max) = '${link}';
SELECT rs.synchronization_health_desc AS link_sync_health
FROM sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
WHERE rs.is_local = 0 AND rs.role = 2 AND ag.is_distributed = 1 AND ag.name = @link_name;`,
    lag: `DECLARE @link_name sysname = '${link}';
SELECT ag.name, ars1.role_desc AS local_role,
       ars2.connected_state_desc AS remote_connected, ars2.synchronization_health_desc AS remote_health,
       drs.secondary_lag_seconds
FROM sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states ars1 ON ars1.group_id = ag.group_id AND ars1.is_local = 1
JOIN sys.dm_hadr_availability_replica_states ars2 ON ars2.group_id = ag.group_id AND ars2.is_local = 0
JOIN sys.dm_hadr_database_replica_states drs ON drs.group_id = ag.group_id AND drs.replica_id = ars2.replica_id
WHERE ag.is_distributed = 1 AND ag.name = @link_name;`,
    snapshot: `SELECT ag.name AS link_name, ar.replica_server_name, ar.availability_mode_desc,
       ars.is_local, ars.role_desc, ars.operational_state_desc, ars.connected_state_desc,
       ars.synchronization_health_desc AS replica_health,
       ars.last_connect_error_number, ars.last_connect_error_description, ars.last_connect_error_timestamp,
       DB_NAME(drs.database_id) AS db, drs.is_primary_replica,
       drs.synchronization_state_desc, drs.synchronization_health_desc AS db_health,
       drs.is_suspended, drs.suspend_reason_desc,
       drs.log_send_queue_size, drs.log_send_rate, drs.redo_queue_size, drs.redo_rate,
       drs.secondary_lag_seconds, drs.last_commit_time, drs.last_hardened_time,
       CAST(drs.last_hardened_lsn AS varchar(30)) AS last_hardened_lsn,
       CAST(drs.end_of_log_lsn AS varchar(30)) AS end_of_log_lsn
FROM sys.availability_groups ag
JOIN sys.availability_replicas ar ON ar.group_id = ag.group_id
LEFT JOIN sys.dm_hadr_availability_replica_states ars ON ars.replica_id = ar.replica_id
LEFT JOIN sys.dm_hadr_database_replica_states drs ON drs.replica_id = ar.replica_id AND drs.group_id = ag.group_id
WHERE ag.is_distributed = 1;`,
    rpo: `SELECT DB_NAME(p.database_id) AS db,
       DATEDIFF(SECOND, s.last_commit_time, p.last_commit_time) AS est_rpo_seconds,
       s.log_send_queue_size, s.redo_queue_size, s.redo_rate,
       CASE WHEN s.redo_rate > 0 THEN s.redo_queue_size * 1.0 / s.redo_rate END AS est_redo_seconds
FROM sys.dm_hadr_database_replica_states p
JOIN sys.dm_hadr_database_replica_states s
  ON s.group_database_id = p.group_database_id AND s.is_local = 0
JOIN sys.availability_groups ag ON ag.group_id = p.group_id AND ag.is_distributed = 1
WHERE p.is_local = 1 AND p.is_primary_replica = 1;`,
  };
}

/** polls `check` until it returns a value (not undefined) or the deadline passes, moving time on meanwhile */
export async function eventually<T>(world: MonitorWorld, check: () => Promise<T | undefined>, what: string, opts: { timeoutMs?: number; jumpMs?: number } = {}): Promise<T> {
  const end = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    world.jump(opts.jumpMs ?? 1_000);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
