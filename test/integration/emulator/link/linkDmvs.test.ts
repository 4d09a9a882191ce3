// The link seen through T-SQL on both instances (real mssql over TDS): the DAG catalog views and
// per-database DMVs follow the simulated workload, a partition, and role changes made by
// ALTER AVAILABILITY GROUP (visible through ARM as well).
import { parseBatch } from '../../../../emulator/sql/parser';
import { executeAvailabilityGroupStatement } from '../../../../emulator/link/statements';
import type { Statement } from '../../../../emulator/sql/ast';
import type { PollResult } from '../../../../shared/arm/client';
import type { PollerState } from '../../../../shared/arm/poller';
import { RG, startArmWorld, type ArmWorld } from '../../arm/armWorld';

jest.setTimeout(60_000);

let world: ArmWorld;

beforeAll(async () => {
  world = await startArmWorld();
});

afterAll(async () => {
  await world?.stop();
});

interface DbRow {
  is_local: boolean;
  is_primary_replica: boolean;
  synchronization_state_desc: string;
  synchronization_health_desc: string;
  log_send_queue_size: number | null;
  secondary_lag_seconds: number | null;
  last_hardened_lsn: string | null;
  end_of_log_lsn: string | null;
}

const DB_STATES = `
SELECT drs.is_local, drs.is_primary_replica, drs.synchronization_state_desc, drs.synchronization_health_desc,
       drs.log_send_queue_size, drs.secondary_lag_seconds,
       CAST(drs.last_hardened_lsn AS varchar(30)) AS last_hardened_lsn,
       CAST(drs.end_of_log_lsn AS varchar(30)) AS end_of_log_lsn
FROM sys.dm_hadr_database_replica_states drs
JOIN sys.availability_groups ag ON ag.group_id = drs.group_id
WHERE ag.is_distributed = 1 AND DB_NAME(drs.database_id) = 'Sales'
ORDER BY drs.is_local DESC`;

/** polls an ARM operation to its end, a simulated second passing between polls */
async function finish(state: PollerState): Promise<PollResult> {
  const c = world.client();
  let r = await c.pollOnce(state);
  for (let i = 0; i < 10 && !r.done; i++) {
    world.jump(1_000, 250);
    r = await c.pollOnce(r.state);
  }
  expect(r.done).toBe(true);
  return r;
}

function alterStatement(text: string): Extract<Statement, { kind: 'availabilityGroup' }> {
  const [stmt] = parseBatch(text).statements;
  if (stmt.kind !== 'availabilityGroup') throw new Error(`parsed as ${stmt.kind}`);
  return stmt;
}

describe('the link in the DMVs', () => {
  it('shows the DAG and both replicas on the primary, only itself on the secondary', async () => {
    const replicas = await world.query<{ name: string; is_distributed: boolean; replica_server_name: string; availability_mode_desc: string }>(
      'sql-onprem',
      `SELECT ag.name, ag.is_distributed, ar.replica_server_name, ar.availability_mode_desc
       FROM sys.availability_groups ag JOIN sys.availability_replicas ar ON ag.group_id = ar.group_id ORDER BY ar.replica_server_name`,
    );
    // the DAG's two members, and SQL Server's own AG (AG_Sales) with its one replica
    expect(replicas).toEqual([
      { name: 'Link_Sales', is_distributed: true, replica_server_name: 'AG_Sales', availability_mode_desc: 'ASYNCHRONOUS_COMMIT' },
      { name: 'Link_Sales', is_distributed: true, replica_server_name: 'mi-prod', availability_mode_desc: 'ASYNCHRONOUS_COMMIT' },
      { name: 'AG_Sales', is_distributed: false, replica_server_name: 'sql-onprem', availability_mode_desc: 'SYNCHRONOUS_COMMIT' },
    ]);
    expect((await world.query<DbRow>('sql-onprem', DB_STATES)).map((r) => r.is_local)).toEqual([true, false]);
    expect((await world.query<DbRow>('mi-prod', DB_STATES)).map((r) => [r.is_local, r.is_primary_replica])).toEqual([[true, false]]);
  });

  it('lag grows under a partition and drains when healed; LSNs match the MI database', async () => {
    world.link.setPartitioned(true, world.clock.now());
    world.jump(30_000);
    const [, remote] = await world.query<DbRow>('sql-onprem', DB_STATES);
    expect(remote.synchronization_state_desc).toBe('NOT SYNCHRONIZING');
    expect(remote.synchronization_health_desc).toBe('NOT_HEALTHY');
    expect(Number(remote.log_send_queue_size)).toBeGreaterThan(1000);
    expect(Number(remote.secondary_lag_seconds)).toBeGreaterThanOrEqual(29);
    const [miRow] = await world.query<DbRow>('mi-prod', DB_STATES);
    expect(miRow.last_hardened_lsn).toBe(world.estate.find('mi-prod').instance.findDatabase('Sales')?.lastLsn.toString());
    world.link.setPartitioned(false, world.clock.now());
    world.jump(5_000, 250);
    const [, healed] = await world.query<DbRow>('sql-onprem', DB_STATES);
    expect(healed.synchronization_state_desc).toBe('SYNCHRONIZING');
    expect(Number(healed.log_send_queue_size)).toBeLessThan(100);
  });

  it('synchronous commit and a T-SQL FAILOVER lose nothing, and ARM shows the new roles', async () => {
    const mode = alterStatement(
      `ALTER AVAILABILITY GROUP [Link_Sales] MODIFY AVAILABILITY GROUP ON 'AG_Sales' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT), 'mi-prod' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT);`,
    );
    expect(executeAvailabilityGroupStatement(mode, 'sql-onprem', world.links)).toMatchObject({ handled: true });
    // and the managed instance's side, as REFERENCE 3.2 sets it (Update-AzSqlInstanceLink -ReplicationMode Sync)
    await finish(await world.client().startUpdateReplicationMode(RG, 'mi-prod', 'Link_Sales', 'Sync'));
    world.estate.find('sql-onprem').instance.findDatabase('Sales')!.workloadTps = 0;
    world.jump(2_000, 250);
    const [local] = await world.query<DbRow>('sql-onprem', DB_STATES);
    expect(local.synchronization_state_desc).toBe('SYNCHRONIZED');
    const end = world.estate.find('sql-onprem').instance.findDatabase('Sales')?.lastLsn;
    executeAvailabilityGroupStatement(alterStatement('ALTER AVAILABILITY GROUP [Link_Sales] FAILOVER;'), 'sql-onprem', world.links);
    expect(world.link.lost).toEqual([]);
    expect(world.estate.find('mi-prod').instance.findDatabase('Sales')?.lastLsn).toBe(end);
    const link = await world.client().getLink(RG, 'mi-prod', 'Link_Sales');
    expect(link).toMatchObject({ instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary', replicationMode: 'Sync' });
  });

  it('both sides claiming primary is visible in the DMVs of both instances', async () => {
    // MI is primary now; cut the link and force SQL Server up
    world.estate.find('mi-prod').instance.findDatabase('Sales')!.workloadTps = 30;
    world.jump(1_000, 250);
    world.link.setPartitioned(true, world.clock.now());
    world.jump(5_000);
    executeAvailabilityGroupStatement(alterStatement('ALTER AVAILABILITY GROUP [Link_Sales] FORCE_FAILOVER_ALLOW_DATA_LOSS;'), 'sql-onprem', world.links);
    world.link.setPartitioned(false, world.clock.now());
    const roleQuery = `SELECT ag.name AS link_name, rs.role_desc AS link_role
      FROM sys.availability_groups ag JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
      WHERE rs.is_local = 1 AND ag.name = 'Link_Sales'`;
    expect(await world.query('sql-onprem', roleQuery)).toEqual([{ link_name: 'Link_Sales', link_role: 'PRIMARY' }]);
    expect(await world.query('mi-prod', roleQuery)).toEqual([{ link_name: 'Link_Sales', link_role: 'PRIMARY' }]);
    expect(world.link.lost.some((l) => l.reason === 'forcedFailover' && l.side === 'instance')).toBe(true);
    // repair: demote the MI (ARM setRole Secondary), its diverged log is recorded and dropped
    const c = world.client();
    await finish(await c.startSetRole(RG, 'mi-prod', 'Link_Sales', 'Secondary', 'Planned'));
    expect(await world.query('mi-prod', roleQuery)).toEqual([{ link_name: 'Link_Sales', link_role: 'SECONDARY' }]);
  });
});
