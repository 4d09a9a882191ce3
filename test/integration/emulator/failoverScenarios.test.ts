// Split brain after a forced failover, end to end through the real clients (REFERENCE 3.4, 3.7):
// the primary goes down (admin fault instanceDown), ARM forces the managed instance up, the old
// primary comes back still claiming PRIMARY with log past the fork, the DBA stops the application
// there, takes a tail-log backup to URL (Azurite), demotes it and resumes its database, which
// reverts and synchronizes from the new primary; the admin API records the lost transactions with
// the backup that kept them (and, for a split brain repaired without one, as lost for good). Then
// the managed-instance side of it: the MI forced down to secondary while it is down, its COPY_ONLY
// full backup, ARM setRole Secondary. mssql (tedious), the app's ArmClient, the admin APIs.
import { BlobServiceClient } from '@azure/storage-blob';
import sql from 'mssql';
import { azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../helpers/azurite';
import { RG, startFailoverWorld, type FailoverWorld } from './failoverScenariosWorld';

jest.setTimeout(120_000);

let world: FailoverWorld;
let azurite: AzuriteInstance;
let container: string;

beforeAll(async () => {
  [world, azurite] = await Promise.all([startFailoverWorld(), startAzurite()]);
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('failover').createIfNotExists();
  container = `${azurite.blobEndpoint}/failover`;
  world.jump(2_000);
});

afterAll(async () => {
  await world?.stop();
  await azurite?.stop();
});

interface LocalReplica {
  role_desc: string;
  connected_state_desc: string;
  last_connect_error_number: number | null;
}

/** REFERENCE 3.7 step 1 (with the connection columns): this side's own role in the link */
const localReplica = async (instance: string, link = 'Link_Sales'): Promise<LocalReplica> =>
  (
    await world.rows<LocalReplica>(
      instance,
      `SELECT rs.role_desc, rs.connected_state_desc, rs.last_connect_error_number
       FROM sys.availability_groups ag JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
       WHERE rs.is_local = 1 AND ag.name = '${link}'`,
    )
  )[0];

interface OwnRow {
  synchronization_state_desc: string;
  synchronization_health_desc: string;
  is_suspended: boolean;
  suspend_reason_desc: string | null;
  end_of_log_lsn: string;
  recovery_lsn: string;
}

/** this side's own row for the database in the link (LSNs as text: numeric(25,0) overflows a JS number) */
const own = async (instance: string, link = 'Link_Sales', db = 'Sales'): Promise<OwnRow> =>
  (
    await world.rows<OwnRow>(
      instance,
      `SELECT drs.synchronization_state_desc, drs.synchronization_health_desc, drs.is_suspended, drs.suspend_reason_desc,
              CAST(drs.end_of_log_lsn AS varchar(30)) AS end_of_log_lsn, CAST(drs.recovery_lsn AS varchar(30)) AS recovery_lsn
       FROM sys.availability_groups ag
       JOIN sys.dm_hadr_database_replica_states drs ON drs.group_id = ag.group_id AND drs.is_local = 1
       WHERE ag.name = '${link}' AND DB_NAME(drs.database_id) = '${db}'`,
    )
  )[0];

interface LostJson {
  database: string;
  reason: 'forcedFailover' | 'divergedPrimaryDemoted';
  side: 'partner' | 'instance';
  afterLsn: string;
  throughLsn: string;
  transactions: number;
  preserved?: 'all' | 'some' | 'none';
  preservedIn?: { backupSetGuid: string; type: string; lastLsn: string }[];
}

const lostOf = async (link: string): Promise<LostJson[]> => {
  const r = await world.admin<{ links: { name: string; lost: LostJson[] }[] }>('GET', '/links');
  return r.body.links.find((l) => l.name === link)?.lost ?? [];
};

/** what the link carries while the primary's last seconds are still in flight: a slow, far link */
async function slowLink(mi: string, link: string): Promise<void> {
  expect((await world.armAdmin('POST', `/admin/links/${mi}/${link}`, { latencyMs: 5_000 })).status).toBe(200);
  world.jump(3_000);
}

async function fastLink(mi: string, link: string): Promise<void> {
  expect((await world.armAdmin('POST', `/admin/links/${mi}/${link}`, { latencyMs: 20 })).status).toBe(200);
}

async function cannotConnect(instance: string): Promise<void> {
  const target = world.estate.find(instance);
  const p = new sql.ConnectionPool({ server: target.host, port: target.port, user: target.user, password: target.password, options: { encrypt: true, trustServerCertificate: true }, connectionTimeout: 3_000 });
  await expect(p.connect()).rejects.toMatchObject({ code: expect.stringMatching(/^(ESOCKET|ETIMEOUT)$/) });
  await p.close().catch(() => undefined);
}

describe('split brain after ARM forces the managed instance up while SQL Server is down (REFERENCE 3.4, 3.7)', () => {
  let endBeforeDown: bigint;
  let fork: bigint;
  let tailUrl: string;
  let tailGuid: string;
  let tailLastLsn: bigint;

  it('(a) instanceDown on sql-onprem: its connections fail; the managed instance sees the link DISCONNECTED (DMV and ARM)', async () => {
    await slowLink('mi-prod', 'Link_Sales');
    endBeforeDown = BigInt((await own('sql-onprem')).end_of_log_lsn);
    expect(await world.admin('POST', '/instances/sql-onprem/faults', { kind: 'instanceDown' })).toMatchObject({ status: 201 });
    await cannotConnect('sql-onprem');
    world.jump(1_000);
    expect(await localReplica('mi-prod')).toEqual({ role_desc: 'SECONDARY', connected_state_desc: 'DISCONNECTED', last_connect_error_number: 35201 });
    expect((await own('mi-prod')).synchronization_state_desc).toBe('NOT SYNCHRONIZING');
    const link = await world.armClient.getLink(RG, 'mi-prod', 'Link_Sales');
    expect(link.databases[0]).toMatchObject({ connectedState: 'DISCONNECTED', synchronizationHealth: 'NOT_HEALTHY', replicaState: 'Disconnected' });
    expect(link.databases[0].mostRecentLinkError).toMatch(/^A connection timeout has occurred while attempting to establish a connection to availability replica 'AG_Sales'/);
    // what was in flight never arrived
    expect(BigInt(link.databases[0].lastHardenedLsn as string)).toBeLessThan(endBeforeDown);
  });

  it('(b) ARM failover ForcedAllowDataLoss succeeds while sql-onprem is down: mi-prod is PRIMARY; the ARM request log counts the call', async () => {
    await world.finish(await world.armClient.startFailover(RG, 'mi-prod', 'Link_Sales', 'ForcedAllowDataLoss'));
    expect((await localReplica('mi-prod')).role_desc).toBe('PRIMARY');
    const link = await world.armClient.getLink(RG, 'mi-prod', 'Link_Sales');
    // the partner's role as the managed instance last heard it: it cannot reach SQL Server
    expect(link).toMatchObject({ instanceLinkRole: 'Primary', partnerLinkRole: 'Primary' });
    fork = BigInt((await own('mi-prod')).recovery_lsn);
    const lost = await lostOf('Link_Sales');
    expect(lost).toEqual([expect.objectContaining({ reason: 'forcedFailover', side: 'partner', afterLsn: fork.toString() })]);
    expect(lost[0].transactions).toBeGreaterThan(0);
    // a test (or the app's own tests) can count the failover calls from outside
    const log = await world.armAdmin<{ requests: { method: string; path: string; status: number }[] }>('GET', '/admin/requests');
    const failovers = log.body.requests.filter((r) => r.method === 'POST' && /\/distributedAvailabilityGroups\/Link_Sales\/failover$/.test(r.path));
    expect(failovers).toEqual([expect.objectContaining({ status: 202 })]);
  });

  it('(c) sql-onprem comes back still PRIMARY (split brain), its log past the fork: what it wrote before going down and after it returned', async () => {
    expect(await world.admin('DELETE', '/instances/sql-onprem/faults/instanceDown')).toMatchObject({ status: 200 });
    world.jump(2_000);
    expect((await localReplica('sql-onprem')).role_desc).toBe('PRIMARY');
    expect((await localReplica('mi-prod')).role_desc).toBe('PRIMARY');
    const end = BigInt((await own('sql-onprem')).end_of_log_lsn);
    expect(endBeforeDown).toBeGreaterThan(fork);
    expect(end).toBeGreaterThan(endBeforeDown);
    // both say Primary once they can talk
    const link = await world.armClient.getLink(RG, 'mi-prod', 'Link_Sales');
    expect(link).toMatchObject({ instanceLinkRole: 'Primary', partnerLinkRole: 'Primary' });
    expect(link.databases[0].replicaState).toBe('LinkSplitBrain');
  });

  it('the DBA stops the application on the diverged primary (admin workload route): its log stops', async () => {
    const stopped = await world.admin<{ workloadTps: number; link: unknown }>('POST', '/instances/sql-onprem/databases/Sales/workload', { tps: 0 });
    expect(stopped).toMatchObject({ status: 200, body: { workloadTps: 0, link: { name: 'Link_Sales', role: 'PRIMARY' } } });
    const before = (await own('sql-onprem')).end_of_log_lsn;
    world.jump(2_000);
    expect((await own('sql-onprem')).end_of_log_lsn).toBe(before);
  });

  it('(d) a COPY_ONLY, CHECKSUM tail-log backup to URL works on the diverged primary: blob written, msdb records it past the fork', async () => {
    await world.rows('sql-onprem', `CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${azuriteAccountSas('rwdlc')}'`);
    const diverged = BigInt((await own('sql-onprem')).end_of_log_lsn);
    tailUrl = `${container}/Sales_tail.trn`;
    await world.rows('sql-onprem', `BACKUP LOG [Sales] TO URL = N'${tailUrl}' WITH COPY_ONLY, CHECKSUM`);
    expect(await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('failover').getBlobClient('Sales_tail.trn').exists()).toBe(true);
    const [set] = await world.rows<{ backup_set_uuid: string; type: string; is_copy_only: boolean; has_backup_checksums: boolean; first_lsn: string; last_lsn: string; physical_device_name: string; device_type: number }>(
      'sql-onprem',
      `SELECT TOP 1 bs.backup_set_uuid, bs.type, bs.is_copy_only, bs.has_backup_checksums, CAST(bs.first_lsn AS varchar(30)) AS first_lsn, CAST(bs.last_lsn AS varchar(30)) AS last_lsn,
              bmf.physical_device_name, bmf.device_type
       FROM msdb.dbo.backupset bs JOIN msdb.dbo.backupmediafamily bmf ON bmf.media_set_id = bs.media_set_id
       WHERE bs.database_name = 'Sales' ORDER BY bs.backup_set_id DESC`,
    );
    expect(set).toMatchObject({ type: 'L', is_copy_only: true, has_backup_checksums: true, physical_device_name: tailUrl, device_type: 9 });
    // it holds the whole diverged log: from before the fork to past the end of it
    expect(BigInt(set.first_lsn)).toBeLessThanOrEqual(fork);
    expect(BigInt(set.last_lsn)).toBeGreaterThanOrEqual(diverged);
    tailGuid = set.backup_set_uuid.toUpperCase();
    tailLastLsn = BigInt(set.last_lsn);
    const [header] = await world.rows<{ BackupType: number; IsCopyOnly: boolean; HasBackupChecksums: boolean; LastLSN: number }>('sql-onprem', `RESTORE HEADERONLY FROM URL = N'${tailUrl}'`);
    expect(header).toMatchObject({ BackupType: 2, IsCopyOnly: true, HasBackupChecksums: true });
    expect(Number(header.LastLSN)).toBe(Number(tailLastLsn));
  });

  it('(d) BACKUP LOG ... WITH NO_TRUNCATE works there too and is copy-only (COPY_ONLY + CONTINUE_AFTER_ERROR)', async () => {
    const url = `${container}/Sales_tail_nt.trn`;
    await world.rows('sql-onprem', `BACKUP LOG [Sales] TO URL = N'${url}' WITH NO_TRUNCATE`);
    const [set] = await world.rows<{ is_copy_only: boolean; type: string; last_lsn: string }>(
      'sql-onprem',
      `SELECT TOP 1 bs.is_copy_only, bs.type, CAST(bs.last_lsn AS varchar(30)) AS last_lsn FROM msdb.dbo.backupset bs WHERE bs.database_name = 'Sales' ORDER BY bs.backup_set_id DESC`,
    );
    expect(set).toMatchObject({ type: 'L', is_copy_only: true });
    expect(BigInt(set.last_lsn)).toBeGreaterThan(tailLastLsn);
    // a copy-only log backup leaves the log chain where it was: the next one starts where the chain does
    const [chain] = await world.rows<{ first_lsn: string }>(
      'sql-onprem',
      `SELECT TOP 1 CAST(first_lsn AS varchar(30)) AS first_lsn FROM msdb.dbo.backupset WHERE database_name = 'Sales' ORDER BY backup_set_id DESC`,
    );
    expect(BigInt(chain.first_lsn)).toBeLessThanOrEqual(fork);
  });

  it('(e) SET (ROLE = SECONDARY) on sql-onprem: its database is SUSPENDED (SUSPEND_FROM_PARTNER); the application cannot write there', async () => {
    await world.rows('sql-onprem', 'ALTER AVAILABILITY GROUP [Link_Sales] SET (ROLE = SECONDARY)');
    expect((await localReplica('sql-onprem')).role_desc).toBe('SECONDARY');
    expect(await own('sql-onprem')).toMatchObject({ synchronization_state_desc: 'NOT SYNCHRONIZING', is_suspended: true, suspend_reason_desc: 'SUSPEND_FROM_PARTNER' });
    const refused = await world.admin<{ error: string }>('POST', '/instances/sql-onprem/databases/Sales/workload', { tps: 5 });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/secondary replica of link 'Link_Sales'.*the primary is mi-prod/);
  });

  it('(f) SET HADR RESUME: REVERTING, then SYNCHRONIZING; the link is connected again with mi-prod primary', async () => {
    await world.rows('sql-onprem', 'ALTER DATABASE [Sales] SET HADR RESUME');
    expect((await own('sql-onprem')).synchronization_state_desc).toBe('REVERTING');
    world.jump(1_000);
    await fastLink('mi-prod', 'Link_Sales');
    world.jump(5_000);
    expect(await own('sql-onprem')).toMatchObject({ synchronization_state_desc: 'SYNCHRONIZING', is_suspended: false });
    expect(await localReplica('sql-onprem')).toMatchObject({ role_desc: 'SECONDARY', connected_state_desc: 'CONNECTED' });
    const link = await world.armClient.getLink(RG, 'mi-prod', 'Link_Sales');
    expect(link).toMatchObject({ instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary' });
    expect(link.databases[0]).toMatchObject({ connectedState: 'CONNECTED', synchronizationHealth: 'HEALTHY', replicaState: 'Catchup' });
    // the new primary's log reaches the old one again
    const primaryEnd = BigInt((await own('mi-prod')).end_of_log_lsn);
    world.jump(1_000);
    expect(BigInt((await own('sql-onprem')).end_of_log_lsn)).toBeGreaterThanOrEqual(primaryEnd);
  });

  it('(g) the admin API records the lost transactions as preserved in the tail-log backup', async () => {
    const lost = (await lostOf('Link_Sales')).filter((l) => l.database === 'Sales');
    expect(lost.map((l) => l.reason)).toEqual(['forcedFailover', 'divergedPrimaryDemoted']);
    for (const l of lost) {
      expect(l).toMatchObject({ side: 'partner', preserved: 'all' });
      expect(l.preservedIn).toEqual(expect.arrayContaining([expect.objectContaining({ backupSetGuid: tailGuid, type: 'L', lastLsn: tailLastLsn.toString() })]));
    }
    // the two records cover the whole diverged log once
    expect(lost[1].afterLsn).toBe(lost[0].throughLsn);
  });
});

describe('the same split brain with no backup taken: the diverged transactions are lost', () => {
  it('Link_Orders: forced over while sql-east is down, repaired without a tail-log backup', async () => {
    await slowLink('mi-east', 'Link_Orders');
    expect(await world.admin('POST', '/instances/sql-east/faults', { kind: 'instanceDown' })).toMatchObject({ status: 201 });
    await world.finish(await world.armClient.startFailover(RG, 'mi-east', 'Link_Orders', 'ForcedAllowDataLoss'));
    expect(await world.admin('DELETE', '/instances/sql-east/faults', undefined)).toMatchObject({ status: 200 });
    world.jump(2_000);
    expect((await localReplica('sql-east', 'Link_Orders')).role_desc).toBe('PRIMARY');
    await world.rows('sql-east', 'ALTER AVAILABILITY GROUP [Link_Orders] SET (ROLE = SECONDARY)');
    await world.rows('sql-east', 'ALTER DATABASE [Orders] SET HADR RESUME');
    await fastLink('mi-east', 'Link_Orders');
    world.jump(5_000);
    expect((await own('sql-east', 'Link_Orders', 'Orders')).synchronization_state_desc).toBe('SYNCHRONIZING');
    const lost = await lostOf('Link_Orders');
    expect(lost.map((l) => [l.reason, l.preserved])).toEqual([
      ['forcedFailover', 'none'],
      ['divergedPrimaryDemoted', 'none'],
    ]);
    for (const l of lost) {
      expect(l.preservedIn).toBeUndefined();
      expect(l.transactions).toBeGreaterThan(0);
    }
  });
});

describe('the managed-instance side: SQL Server forced up while mi-prod is down, then ARM setRole Secondary (REFERENCE 3.7 for an MI primary)', () => {
  let fork: bigint;
  let miBackupGuid: string;

  it('FORCE_FAILOVER_ALLOW_DATA_LOSS on sql-onprem while mi-prod is down; mi-prod comes back PRIMARY too', async () => {
    await slowLink('mi-prod', 'Link_Sales');
    expect(await world.admin('POST', '/instances/mi-prod/faults', { kind: 'instanceDown' })).toMatchObject({ status: 201 });
    await cannotConnect('mi-prod');
    world.jump(1_000);
    expect(await localReplica('sql-onprem')).toMatchObject({ role_desc: 'SECONDARY', connected_state_desc: 'DISCONNECTED', last_connect_error_number: 35201 });
    await world.rows('sql-onprem', 'ALTER AVAILABILITY GROUP [Link_Sales] FORCE_FAILOVER_ALLOW_DATA_LOSS');
    expect((await localReplica('sql-onprem')).role_desc).toBe('PRIMARY');
    fork = BigInt((await own('sql-onprem')).recovery_lsn);
    expect(await world.admin('DELETE', '/instances/mi-prod/faults/instanceDown')).toMatchObject({ status: 200 });
    world.jump(2_000);
    expect((await localReplica('mi-prod')).role_desc).toBe('PRIMARY');
    expect((await localReplica('sql-onprem')).role_desc).toBe('PRIMARY');
    expect(BigInt((await own('mi-prod')).end_of_log_lsn)).toBeGreaterThan(fork);
  });

  it('a COPY_ONLY full backup to URL on mi-prod (managed identity credential) holds its diverged log', async () => {
    expect(await world.admin('POST', '/instances/mi-prod/databases/Sales/workload', { tps: 0 })).toMatchObject({ status: 200 });
    expect(await world.admin('POST', '/instances/mi-prod/identity', { urlPrefix: container, sas: azuriteAccountSas('rwdlc') })).toMatchObject({ status: 201 });
    await world.rows('mi-prod', `CREATE CREDENTIAL [${container}] WITH IDENTITY = 'MANAGED IDENTITY'`);
    const url = `${container}/Sales_mi_diverged.bak`;
    await world.rows('mi-prod', `BACKUP DATABASE [Sales] TO URL = N'${url}' WITH COPY_ONLY, CHECKSUM`);
    const [set] = await world.rows<{ backup_set_uuid: string; type: string; is_copy_only: boolean; last_lsn: string; physical_device_name: string }>(
      'mi-prod',
      `SELECT TOP 1 bs.backup_set_uuid, bs.type, bs.is_copy_only, CAST(bs.last_lsn AS varchar(30)) AS last_lsn, bmf.physical_device_name
       FROM msdb.dbo.backupset bs JOIN msdb.dbo.backupmediafamily bmf ON bmf.media_set_id = bs.media_set_id
       WHERE bs.database_name = 'Sales' AND bs.is_copy_only = 1 ORDER BY bs.backup_set_id DESC`,
    );
    expect(set).toMatchObject({ type: 'D', is_copy_only: true, physical_device_name: url });
    expect(BigInt(set.last_lsn)).toBeGreaterThan(fork);
    miBackupGuid = set.backup_set_uuid.toUpperCase();
  });

  it('ARM setRole Secondary (Planned) demotes mi-prod; it reverts and synchronizes from sql-onprem; the loss is recorded as preserved', async () => {
    await world.finish(await world.armClient.startSetRole(RG, 'mi-prod', 'Link_Sales', 'Secondary', 'Planned'));
    expect((await localReplica('mi-prod')).role_desc).toBe('SECONDARY');
    await fastLink('mi-prod', 'Link_Sales');
    world.jump(5_000);
    expect(await own('mi-prod')).toMatchObject({ synchronization_state_desc: 'SYNCHRONIZING', is_suspended: false });
    const link = await world.armClient.getLink(RG, 'mi-prod', 'Link_Sales');
    expect(link).toMatchObject({ instanceLinkRole: 'Secondary', partnerLinkRole: 'Primary' });
    expect(link.databases[0]).toMatchObject({ connectedState: 'CONNECTED', synchronizationHealth: 'HEALTHY' });
    const mine = (await lostOf('Link_Sales')).filter((l) => l.side === 'instance');
    expect(mine.map((l) => l.reason)).toEqual(['forcedFailover', 'divergedPrimaryDemoted']);
    for (const l of mine) {
      expect(l.afterLsn <= l.throughLsn).toBe(true);
      expect(l.preserved).toBe('all');
      expect(l.preservedIn).toEqual(expect.arrayContaining([expect.objectContaining({ backupSetGuid: miBackupGuid, type: 'D' })]));
    }
    // the application follows the primary: it writes on sql-onprem again
    expect(await world.admin('GET', '/instances/sql-onprem/databases/Sales/workload')).toMatchObject({ status: 200, body: { workloadTps: 20, link: { role: 'PRIMARY' } } });
  });
});
