// 10 managed instances x 100 links (manyLinks): the estate starts, and what a link-health monitor
// does every minute - one ARM list of an instance's links, one DMV snapshot per instance over TDS -
// answers within a budget, so the monitor's cost is not the emulator's. The measured numbers are
// printed; the bounds asserted are generous (CI machines vary), the README states typical ones.
import { performance } from 'node:perf_hooks';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import sql from 'mssql';
import { EngineArmBackend } from '../../../../emulator/arm/engineBackend';
import { startArmEmulator, type ArmEmulator } from '../../../../emulator/arm/server';
import { defaultServices } from '../../../../emulator/engine/defaultServices';
import { startEstate, type RunningEstate } from '../../../../emulator/engine/estateServer';
import { managedInstanceName, manyLinks, sqlServerName } from '../../../../emulator/engine/generatedEstate';
import { ArmClient } from '../../../../shared/arm/client';

jest.setTimeout(120_000);

const SUB = '33333333-4444-5555-6666-777777777777';
const BUDGET_MS = 500;
const credential: TokenCredential = { getToken: (): Promise<AccessToken> => Promise.resolve({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };

/** one snapshot, as the monitor takes it: replicas and their states, database replica states with LSNs as text, the endpoint certificate, the log space */
const SNAPSHOT = `
SELECT ag.name, ag.group_id, ar.replica_server_name, ars.is_local, ars.role_desc, ars.connected_state_desc, ars.synchronization_health_desc,
       ars.last_connect_error_number, ars.last_connect_error_description, ars.last_connect_error_timestamp
FROM sys.availability_groups ag
JOIN sys.availability_replicas ar ON ar.group_id = ag.group_id
LEFT JOIN sys.dm_hadr_availability_replica_states ars ON ars.replica_id = ar.replica_id AND ars.group_id = ag.group_id
WHERE ag.is_distributed = 1;
SELECT ag.name, DB_NAME(drs.database_id) AS db, drs.replica_id, drs.group_database_id, drs.is_local, drs.is_primary_replica,
       drs.synchronization_state_desc, drs.synchronization_health_desc, drs.log_send_queue_size, drs.log_send_rate,
       drs.redo_queue_size, drs.redo_rate, drs.secondary_lag_seconds, drs.last_commit_time,
       CAST(drs.last_hardened_lsn AS varchar(30)) AS last_hardened_lsn, CAST(drs.end_of_log_lsn AS varchar(30)) AS end_of_log_lsn,
       CAST(drs.last_redone_lsn AS varchar(30)) AS last_redone_lsn
FROM sys.dm_hadr_database_replica_states drs
JOIN sys.availability_groups ag ON ag.group_id = drs.group_id
WHERE ag.is_distributed = 1;
SELECT name, expiry_date FROM sys.certificates WHERE pvt_key_encryption_type = 'MK';
DBCC SQLPERF(LOGSPACE);`;

let estate: RunningEstate;
let arm: ArmEmulator;
let startMs: number;

beforeAll(async () => {
  const t = performance.now();
  estate = await startEstate(manyLinks({ managedInstances: 10, linksPerInstance: 100 }), { services: defaultServices() });
  startMs = performance.now() - t;
  arm = await startArmEmulator({ backend: new EngineArmBackend({ instances: estate.instances.map((r) => r.instance), links: estate.links, subscriptionId: SUB, resourceGroup: 'rg-scale' }) });
});

afterAll(async () => {
  await arm?.close();
  await estate?.stop();
});

const ms = (xs: number[]): string => `median ${median(xs).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('10 managed instances x 100 links: one ARM list and one DMV snapshot per instance each answer within the budget', async () => {
  expect(estate.links.links()).toHaveLength(1000);
  expect(estate.instances).toHaveLength(20);

  // the tickers' own cost: every link moved to now, every instance's workload
  const ticks: number[] = [];
  const workloads: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    estate.links.refresh();
    ticks.push(performance.now() - t);
    t = performance.now();
    for (const r of estate.instances) r.instance.tickWorkload();
    workloads.push(performance.now() - t);
  }

  const client = new ArmClient({ credential, subscriptionId: SUB, endpoint: arm.url, ca: arm.ca });
  await client.listLinks('rg-scale', managedInstanceName(0)); // warm the pipeline
  const armTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    const links = await client.listLinks('rg-scale', managedInstanceName(i));
    armTimes.push(performance.now() - t);
    expect(links).toHaveLength(100);
    expect(links[0].databases[0]).toMatchObject({ connectedState: 'CONNECTED', lastHardenedLsn: expect.stringMatching(/^\d+$/) });
  }

  // the first snapshot on a new TLS connection pays ~40 ms in tedious's TLS plumbing (FreeTDS
  // does not); a monitor keeps its pools, so the second one is the steady cost
  const sqlTimes: number[] = [];
  const miTimes: number[] = [];
  const firstTimes: number[] = [];
  const names = [...Array.from({ length: 10 }, (_, i) => sqlServerName(i)), ...Array.from({ length: 10 }, (_, i) => managedInstanceName(i))];
  for (const name of names) {
    const r = estate.find(name);
    const pool = await new sql.ConnectionPool({ server: r.host, port: r.port, user: r.user, password: r.password, options: { encrypt: true, trustServerCertificate: true } }).connect();
    try {
      await pool.request().query('SELECT 1 AS one');
      let t = performance.now();
      await pool.request().batch(SNAPSHOT);
      firstTimes.push(performance.now() - t);
      t = performance.now();
      const result = await pool.request().batch(SNAPSHOT);
      const elapsed = performance.now() - t;
      const sets = result.recordsets as unknown as Record<string, unknown>[][];
      if (name.startsWith('sql')) {
        sqlTimes.push(elapsed);
        // the primary: a row per replica of each DAG, two database rows per link, the certificate, 104 databases' log space
        expect(sets[0]).toHaveLength(200);
        expect(sets[1]).toHaveLength(200);
        expect(sets[2]).toHaveLength(1);
        expect(sets[3]).toHaveLength(104);
      } else {
        miTimes.push(elapsed);
        // the secondary: its own rows only
        expect(sets[1]).toHaveLength(100);
        expect(sets[1].every((row) => row.is_local === true)).toBe(true);
      }
    } finally {
      await pool.close();
    }
  }

  console.log(
    [
      `10 x 100 links: estate started in ${startMs.toFixed(0)} ms`,
      `link tick (1000 links): ${ms(ticks)}; workload tick (20 instances, 2000 databases): ${ms(workloads)}`,
      `ARM list of 100 links (ArmClient over HTTPS): ${ms(armTimes)}`,
      `DMV snapshot over TDS, SQL Server (200 DAG rows): ${ms(sqlTimes)}`,
      `DMV snapshot over TDS, managed instance (100 rows): ${ms(miTimes)}`,
      `first snapshot on a new connection (any instance): ${ms(firstTimes)}`,
    ].join('\n'),
  );
  expect(Math.max(...firstTimes)).toBeLessThan(BUDGET_MS);
  expect(Math.max(...armTimes)).toBeLessThan(BUDGET_MS);
  expect(Math.max(...sqlTimes)).toBeLessThan(BUDGET_MS);
  expect(Math.max(...miTimes)).toBeLessThan(BUDGET_MS);
  expect(median(ticks)).toBeLessThan(100);
});
