// Each side of the link keeps its own half of the DAG (point 3 of the failover-playbook work):
// ARM DELETE removes the managed instance's side only, so the documented DROP AVAILABILITY GROUP on
// SQL Server afterwards works (REFERENCE 2.7, 3.2 step 6); T-SQL MODIFY ... AVAILABILITY_MODE sets
// SQL Server's own setting and ARM PATCH replicationMode the managed instance's, and the link
// commits synchronously only when both are synchronous (REFERENCE 3.2). Real mssql and the app's
// ARM client.
import type { PollerState } from '../../../../shared/arm/poller';
import { RG, startArmWorld, type ArmWorld } from '../../arm/armWorld';

jest.setTimeout(60_000);

let world: ArmWorld;

beforeAll(async () => {
  world = await startArmWorld();
  world.jump(2_000, 250);
});

afterAll(async () => {
  await world?.stop();
});

async function finish(state: PollerState): Promise<void> {
  const c = world.client();
  let r = await c.pollOnce(state);
  for (let i = 0; i < 10 && !r.done; i++) {
    world.jump(1_000, 250);
    r = await c.pollOnce(r.state);
  }
  expect(r.done).toBe(true);
  expect(r.error).toBeUndefined();
}

interface ModeRow {
  replica_server_name: string;
  availability_mode: number;
  availability_mode_desc: string;
}

const MODES = `SELECT ar.replica_server_name, ar.availability_mode, ar.availability_mode_desc
  FROM sys.availability_replicas ar JOIN sys.availability_groups ag ON ag.group_id = ar.group_id
  WHERE ag.name = 'Link_Sales' ORDER BY ar.replica_server_name`;

const REMOTE_STATE = `SELECT drs.synchronization_state_desc, drs.synchronization_health_desc, ars.connected_state_desc
  FROM sys.dm_hadr_database_replica_states drs
  JOIN sys.availability_groups ag ON ag.group_id = drs.group_id
  JOIN sys.dm_hadr_availability_replica_states ars ON ars.replica_id = drs.replica_id AND ars.group_id = drs.group_id
  WHERE ag.name = 'Link_Sales' AND drs.is_local = 0`;

const modeOf = (rows: ModeRow[]): string[] => rows.map((r) => `${r.replica_server_name}:${r.availability_mode_desc}`);

describe('each side keeps its own availability mode', () => {
  it("T-SQL on SQL Server sets SQL Server's; the managed instance keeps its own and the link stays asynchronous", async () => {
    await world.query(
      'sql-onprem',
      `ALTER AVAILABILITY GROUP [Link_Sales] MODIFY AVAILABILITY GROUP ON 'AG_Sales' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT), 'mi-prod' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT)`,
    );
    expect(modeOf(await world.query<ModeRow>('sql-onprem', MODES))).toEqual(['AG_Sales:SYNCHRONOUS_COMMIT', 'mi-prod:SYNCHRONOUS_COMMIT']);
    expect((await world.query<ModeRow>('sql-onprem', MODES)).map((r) => r.availability_mode)).toEqual([1, 1]);
    expect(modeOf(await world.query<ModeRow>('mi-prod', MODES))).toEqual(['AG_Sales:ASYNCHRONOUS_COMMIT', 'mi-prod:ASYNCHRONOUS_COMMIT']);
    expect((await world.client().getLink(RG, 'mi-prod', 'Link_Sales')).replicationMode).toBe('Async');
    // with the workload stopped the link still commits asynchronously: never SYNCHRONIZED, and a
    // replica SQL Server has synchronous while it is not is not healthy from its side
    world.estate.find('sql-onprem').instance.findDatabase('Sales')!.workloadTps = 0;
    world.jump(2_000, 250);
    expect(await world.query('sql-onprem', REMOTE_STATE)).toEqual([{ synchronization_state_desc: 'SYNCHRONIZING', synchronization_health_desc: 'PARTIALLY_HEALTHY', connected_state_desc: 'CONNECTED' }]);
    // so T-SQL FAILOVER is refused (41142), as on SQL Server with an asynchronous partner
    await expect(world.query('sql-onprem', 'ALTER AVAILABILITY GROUP [Link_Sales] FAILOVER')).rejects.toMatchObject({ number: 41142 });
  });

  it("ARM PATCH sets the managed instance's: once both are synchronous the link is SYNCHRONIZED", async () => {
    await finish(await world.client().startUpdateReplicationMode(RG, 'mi-prod', 'Link_Sales', 'Sync'));
    expect(modeOf(await world.query<ModeRow>('mi-prod', MODES))).toEqual(['AG_Sales:SYNCHRONOUS_COMMIT', 'mi-prod:SYNCHRONOUS_COMMIT']);
    expect((await world.client().getLink(RG, 'mi-prod', 'Link_Sales')).replicationMode).toBe('Sync');
    world.jump(1_000, 250);
    expect(await world.query('sql-onprem', REMOTE_STATE)).toEqual([{ synchronization_state_desc: 'SYNCHRONIZED', synchronization_health_desc: 'HEALTHY', connected_state_desc: 'CONNECTED' }]);
    // SQL Server back to asynchronous: the managed instance's setting stays Sync, the link is asynchronous again
    await world.query(
      'sql-onprem',
      `ALTER AVAILABILITY GROUP [Link_Sales] MODIFY AVAILABILITY GROUP ON 'AG_Sales' WITH (AVAILABILITY_MODE = ASYNCHRONOUS_COMMIT), 'mi-prod' WITH (AVAILABILITY_MODE = ASYNCHRONOUS_COMMIT)`,
    );
    expect((await world.client().getLink(RG, 'mi-prod', 'Link_Sales')).replicationMode).toBe('Sync');
    world.jump(1_000, 250);
    expect((await world.query<{ synchronization_state_desc: string }>('sql-onprem', REMOTE_STATE))[0].synchronization_state_desc).toBe('SYNCHRONIZING');
    world.estate.find('sql-onprem').instance.findDatabase('Sales')!.workloadTps = 50;
  });
});

describe('ARM DELETE removes the managed instance side only', () => {
  const groups = async (instance: string): Promise<string[]> =>
    (await world.query<{ name: string }>(instance, 'SELECT name FROM sys.availability_groups WHERE is_distributed = 1 ORDER BY name')).map((r) => r.name);

  it('SQL Server keeps its DAG, its partner DISCONNECTED, until DROP AVAILABILITY GROUP there', async () => {
    await finish(await world.client().startDeleteLink(RG, 'mi-prod', 'Link_Sales'));
    // gone from the managed instance: ARM and its catalog
    expect(await world.client().listLinks(RG, 'mi-prod')).toEqual([]);
    expect(await groups('mi-prod')).toEqual([]);
    // SQL Server's half remains, as the docs' next step expects
    expect(await groups('sql-onprem')).toEqual(['Link_Sales']);
    world.jump(2_000, 250);
    const [remote] = await world.query<{ synchronization_state_desc: string; connected_state_desc: string }>('sql-onprem', REMOTE_STATE);
    expect(remote).toMatchObject({ synchronization_state_desc: 'NOT SYNCHRONIZING', connected_state_desc: 'DISCONNECTED' });
    // the log is still held for the replica until the DBA drops the DAG: a log backup cannot free it
    const reuseWait = async (): Promise<string> => (await world.query<{ w: string }>('sql-onprem', "SELECT log_reuse_wait_desc AS w FROM sys.databases WHERE name = 'Sales'"))[0].w;
    await world.query('sql-onprem', "BACKUP DATABASE [Sales] TO DISK = 'NUL'");
    world.jump(2_000, 250);
    await world.query('sql-onprem', "BACKUP LOG [Sales] TO DISK = 'NUL'");
    expect(await reuseWait()).toBe('AVAILABILITY_REPLICA');
    // the managed instance's database goes on by itself (read-write, independent)
    expect((await world.query<{ state_desc: string }>('mi-prod', "SELECT state_desc FROM sys.databases WHERE name = 'Sales'"))[0].state_desc).toBe('ONLINE');
    // REFERENCE 2.7 / 3.2 step 6: afterwards, on SQL Server
    await world.query('sql-onprem', 'DROP AVAILABILITY GROUP [Link_Sales]');
    expect(await groups('sql-onprem')).toEqual([]);
    await world.query('sql-onprem', "BACKUP LOG [Sales] TO DISK = 'NUL'");
    expect(await reuseWait()).not.toBe('AVAILABILITY_REPLICA');
    expect(world.links.links().map((l) => l.name)).toEqual([]);
  });
});
