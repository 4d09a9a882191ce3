// After a forced failover, as SQL Server behaves (point 4 of the failover-playbook work): the old
// primary's databases are SUSPENDED once it is a secondary again and move no data until
// ALTER DATABASE ... SET HADR RESUME; a database whose log diverged reverts (REVERTING) and only
// then synchronizes. Before it is demoted, the split-brain old primary shows its diverged log where
// a DBA looks (sys.dm_hadr_database_replica_states), and a tail-log backup taken then keeps it
// (REFERENCE 3.7 steps 1-3). Real mssql, the app's ARM client, Azurite for BACKUP TO URL.
import * as https from 'node:https';
import type { PollerState } from '../../../../shared/arm/poller';
import { azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../../helpers/azurite';
import { RG, startArmWorld, type ArmWorld } from '../../arm/armWorld';

jest.setTimeout(90_000);

let world: ArmWorld;
let azurite: AzuriteInstance;

beforeAll(async () => {
  [world, azurite] = await Promise.all([startArmWorld(), startAzurite()]);
  await world.query('sql-onprem', `CREATE CREDENTIAL [${azurite.blobEndpoint}/backups] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${azuriteAccountSas('rwdlc')}'`);
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('backups').createIfNotExists();
  world.jump(2_000, 250);
});

afterAll(async () => {
  await world?.stop();
  await azurite?.stop();
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

interface OwnRow {
  role_desc: string;
  synchronization_state_desc: string;
  is_suspended: boolean;
  suspend_reason_desc: string | null;
  end_of_log_lsn: string;
  recovery_lsn: string;
  last_commit_time: Date;
}

/** the local replica's role and its database row for Sales in the DAG */
const OWN = `SELECT rs.role_desc, drs.synchronization_state_desc, drs.is_suspended, drs.suspend_reason_desc,
       CAST(drs.end_of_log_lsn AS varchar(30)) AS end_of_log_lsn, CAST(drs.recovery_lsn AS varchar(30)) AS recovery_lsn, drs.last_commit_time
FROM sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states rs ON rs.group_id = ag.group_id AND rs.is_local = 1
JOIN sys.dm_hadr_database_replica_states drs ON drs.group_id = ag.group_id AND drs.replica_id = rs.replica_id
WHERE ag.name = 'Link_Sales' AND DB_NAME(drs.database_id) = 'Sales'`;

/** the primary's row for its secondary */
const REMOTE = `SELECT drs.synchronization_state_desc, drs.is_suspended, drs.log_send_queue_size
FROM sys.dm_hadr_database_replica_states drs JOIN sys.availability_groups ag ON ag.group_id = drs.group_id
WHERE ag.name = 'Link_Sales' AND drs.is_local = 0`;

const own = async (instance: string): Promise<OwnRow> => (await world.query<OwnRow>(instance, OWN))[0];

/** the ARM emulator's admin view of the link (lost data with the backups that kept it) */
function adminLink(): Promise<{ lost: { reason: string; side: string; afterLsn: string; throughLsn: string; preservedIn?: { backupSetGuid: string; lastLsn: string }[] }[] }> {
  return new Promise((resolve, reject) => {
    https
      .get(`${world.arm.url}/admin/links/mi-prod/Link_Sales`, { ca: world.arm.ca }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(JSON.parse(text) as never));
      })
      .on('error', reject);
  });
}

describe('a forced failover while the old primary can be reached', () => {
  it('ARM demotes SQL Server, whose database is SUSPENDED until SET HADR RESUME; then it reverts and synchronizes', async () => {
    await finish(await world.client().startFailover(RG, 'mi-prod', 'Link_Sales', 'ForcedAllowDataLoss'));
    const sql = await own('sql-onprem');
    expect(sql).toMatchObject({ role_desc: 'SECONDARY', synchronization_state_desc: 'NOT SYNCHRONIZING', is_suspended: true, suspend_reason_desc: 'SUSPEND_FROM_PARTNER' });
    world.jump(5_000, 250);
    // nothing moves: the new primary's queue for it grows
    const [waiting] = await world.query<{ synchronization_state_desc: string; is_suspended: boolean; log_send_queue_size: number }>('mi-prod', REMOTE);
    expect(waiting).toMatchObject({ synchronization_state_desc: 'NOT SYNCHRONIZING', is_suspended: true });
    expect(Number(waiting.log_send_queue_size)).toBeGreaterThan(0);
    expect((await world.client().getLink(RG, 'mi-prod', 'Link_Sales')).databases[0].synchronizationHealth).toBe('NOT_HEALTHY');
    await world.query('sql-onprem', 'ALTER DATABASE [Sales] SET HADR RESUME');
    world.jump(5_000, 250);
    expect(await own('sql-onprem')).toMatchObject({ synchronization_state_desc: 'SYNCHRONIZING', is_suspended: false, suspend_reason_desc: null });
    expect(Number((await world.query<{ log_send_queue_size: number }>('mi-prod', REMOTE))[0].log_send_queue_size)).toBeLessThan(100);
    // back to SQL Server as primary (planned, lossless) for the next scenario
    await finish(await world.client().startFailover(RG, 'mi-prod', 'Link_Sales', 'Planned'));
    expect((await own('sql-onprem')).role_desc).toBe('PRIMARY');
  });
});

describe('split brain after a forced failover (REFERENCE 3.7)', () => {
  let fork: bigint;
  let forcedAt: Date;
  let tailLastLsn: bigint;
  let tailGuid: string;

  it('the old primary, before it is demoted, shows its log past the new primary\'s fork', async () => {
    world.jump(2_000, 250);
    world.link.setPartitioned(true, world.clock.now());
    world.jump(12_000, 1_000);
    forcedAt = world.clock.now();
    await finish(await world.client().startFailover(RG, 'mi-prod', 'Link_Sales', 'ForcedAllowDataLoss'));
    world.link.setPartitioned(false, world.clock.now());
    world.jump(3_000, 250);
    const mi = await own('mi-prod');
    const sql = await own('sql-onprem');
    expect([mi.role_desc, sql.role_desc]).toEqual(['PRIMARY', 'PRIMARY']);
    // the new primary started at its recovery LSN; the old one committed on past it
    fork = BigInt(mi.recovery_lsn);
    expect(BigInt(sql.end_of_log_lsn)).toBeGreaterThan(fork);
    expect(sql.last_commit_time.getTime()).toBeGreaterThan(forcedAt.getTime());
    expect(sql.is_suspended).toBe(false);
  });

  it('a tail-log backup taken then holds the diverged transactions', async () => {
    const url = `${azurite.blobEndpoint}/backups/Sales_tail_${Date.now()}.trn`;
    await world.query('sql-onprem', "BACKUP DATABASE [Sales] TO DISK = 'NUL'");
    await world.query('sql-onprem', `BACKUP LOG [Sales] TO URL = N'${url}' WITH NORECOVERY`);
    const [set] = await world.query<{ backup_set_uuid: string; last_lsn: string }>(
      'sql-onprem',
      "SELECT TOP 1 backup_set_uuid, CAST(last_lsn AS varchar(30)) AS last_lsn FROM msdb.dbo.backupset WHERE database_name = 'Sales' AND type = 'L' ORDER BY backup_set_id DESC",
    );
    tailLastLsn = BigInt(set.last_lsn);
    tailGuid = set.backup_set_uuid.toUpperCase();
    expect(tailLastLsn).toBeGreaterThan(fork);
    // the backup itself says so (numeric(25,0) arrives as a JS number: compared as one)
    const [header] = await world.query<{ LastLSN: number }>('sql-onprem', `RESTORE HEADERONLY FROM URL = N'${url}'`);
    expect(Number(header.LastLSN)).toBe(Number(tailLastLsn));
  });

  it('demoted, it is SUSPENDED with its diverged log; RESUME reverts it (REVERTING), the loss recorded with the backup that kept it', async () => {
    const diverged = BigInt((await own('sql-onprem')).end_of_log_lsn);
    await world.query('sql-onprem', 'ALTER AVAILABILITY GROUP [Link_Sales] SET (ROLE = SECONDARY)');
    const demoted = await own('sql-onprem');
    expect(demoted).toMatchObject({ role_desc: 'SECONDARY', synchronization_state_desc: 'NOT SYNCHRONIZING', is_suspended: true, suspend_reason_desc: 'SUSPEND_FROM_PARTNER' });
    // still there to look at: nothing is thrown away until the database is resumed
    expect(BigInt(demoted.end_of_log_lsn)).toBeGreaterThanOrEqual(diverged);
    expect((await adminLink()).lost.filter((l) => l.reason === 'divergedPrimaryDemoted')).toEqual([]);
    await world.query('sql-onprem', 'ALTER DATABASE [Sales] SET HADR RESUME');
    expect((await own('sql-onprem')).synchronization_state_desc).toBe('REVERTING');
    world.jump(5_000, 250);
    const resumed = await own('sql-onprem');
    expect(resumed).toMatchObject({ synchronization_state_desc: 'SYNCHRONIZING', is_suspended: false });
    const lost = (await adminLink()).lost.filter((l) => l.reason === 'divergedPrimaryDemoted');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ side: 'partner' });
    expect(BigInt(lost[0].throughLsn)).toBeGreaterThan(fork);
    expect(lost[0].preservedIn).toEqual(expect.arrayContaining([expect.objectContaining({ backupSetGuid: tailGuid, lastLsn: tailLastLsn.toString() })]));
  });
});
