// What the failover playbooks need around a planned failover: the application's workload on a
// database, set through the admin API (stopped on the primary before the failover, refused on a
// secondary, moving with the primary role), and a managed instance's automated full backups, which
// REFERENCE 3.8 waits for before the link is dropped (msdb.dbo.backupset on the MI, type 'D').
// Real mssql, the app's ArmClient, the admin API over HTTP, Azurite for a restore on the MI.
import { BlobServiceClient } from '@azure/storage-blob';
import { EstateError, validateEstate, type Estate } from '../../../emulator/engine/estate';
import { azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../helpers/azurite';
import { linkedEstate } from '../../helpers/linkWorld';
import { RG, startFailoverWorld, type FailoverWorld } from './failoverScenariosWorld';

jest.setTimeout(120_000);

const FIRST_FULL_S = 120;
const DECLARED = '2025-06-01T03:00:00.000Z';

let world: FailoverWorld;
let azurite: AzuriteInstance;
/** when the estate started (the databases it lists exist from then) */
let startedAt: Date;

beforeAll(async () => {
  [world, azurite] = await Promise.all([
    startFailoverWorld((estate) => {
      const mi = estate.instances.find((i) => i.name === 'mi-prod');
      if (!mi) throw new Error('no mi-prod');
      mi.automatedBackups = { firstFullAfterSeconds: FIRST_FULL_S, fullIntervalHours: 24 };
      mi.databases = [...(mi.databases ?? []), { name: 'Archive', sizeMB: 16, automatedFullBackupAt: DECLARED }];
    }),
    startAzurite(),
  ]);
  startedAt = world.estate.find('mi-prod').instance.startTime;
  world.jump(1_000);
});

afterAll(async () => {
  await world?.stop();
  await azurite?.stop();
});

interface BackupRow {
  database_name: string;
  type: string;
  is_copy_only: boolean;
  first_lsn: string;
  last_lsn: string;
  backup_start_date: Date;
  backup_finish_date: Date;
  name: string | null;
  user_name: string | null;
  machine_name: string | null;
  has_backup_checksums: boolean;
  physical_device_name: string | null;
  device_type: number;
}

/** REFERENCE 3.8's check on the managed instance, with what msdb says of each backup */
const fullBackups = (instance: string, db: string): Promise<BackupRow[]> =>
  world.rows<BackupRow>(
    instance,
    `SELECT bs.database_name, bs.type, bs.is_copy_only, CAST(bs.first_lsn AS varchar(30)) AS first_lsn, CAST(bs.last_lsn AS varchar(30)) AS last_lsn,
            bs.backup_start_date, bs.backup_finish_date, bs.name, bs.user_name, bs.machine_name, bs.has_backup_checksums, bmf.physical_device_name, bmf.device_type
     FROM msdb.dbo.backupset bs INNER JOIN msdb.dbo.backupmediafamily bmf ON bs.media_set_id = bmf.media_set_id
     WHERE bs.type = 'D' AND bs.database_name = N'${db}' ORDER BY bs.backup_finish_date`,
  );

const endOfLog = async (instance: string, db = 'Sales'): Promise<bigint> =>
  BigInt(
    (
      await world.rows<{ lsn: string }>(
        instance,
        `SELECT CAST(drs.end_of_log_lsn AS varchar(30)) AS lsn FROM sys.dm_hadr_database_replica_states drs WHERE drs.is_local = 1 AND DB_NAME(drs.database_id) = N'${db}'`,
      )
    )[0].lsn,
  );

interface WorkloadJson {
  instance: string;
  database: string;
  workloadTps: number;
  link: { name: string; role: string } | null;
}

describe('the application workload on a database (admin API)', () => {
  it('GET shows it with the database part in its link; GET /instances/{name} shows workloadTps', async () => {
    expect(await world.admin<WorkloadJson>('GET', '/instances/sql-onprem/databases/Sales/workload')).toEqual({
      status: 200,
      body: { instance: 'sql-onprem', database: 'Sales', workloadTps: 20, link: { name: 'Link_Sales', role: 'PRIMARY' } },
    });
    const details = await world.admin<{ databases: { name: string; workloadTps: number; link: unknown }[] }>('GET', '/instances/mi-prod');
    expect(details.body.databases.find((d) => d.name === 'Sales')).toMatchObject({ workloadTps: 0, link: { name: 'Link_Sales', role: 'SECONDARY' } });
  });

  it('refuses a secondary with 409 and a plain message; a bad body with 400; an unknown database with 404', async () => {
    const refused = await world.admin<{ error: string }>('POST', '/instances/mi-prod/databases/Sales/workload', { tps: 5 });
    expect(refused).toEqual({
      status: 409,
      body: { error: "database 'Sales' on mi-prod is a secondary replica of link 'Link_Sales' and takes no writes; the primary is sql-onprem: set the workload there" },
    });
    for (const body of [{}, { tps: -1 }, { tps: 'fast' }, null]) {
      expect((await world.admin('POST', '/instances/sql-onprem/databases/Sales/workload', body)).status).toBe(400);
    }
    expect((await world.admin('POST', '/instances/sql-onprem/databases/Nope/workload', { tps: 1 })).status).toBe(404);
    expect((await world.admin('POST', '/instances/sql-onprem/databases/master/workload', { tps: 1 })).status).toBe(404);
  });

  it('stopped on the primary before a planned failover: the log stops, the LSNs match on both sides, and stay stopped on the new primary', async () => {
    expect(await world.admin('POST', '/instances/sql-onprem/databases/Sales/workload', { tps: 0 })).toMatchObject({ status: 200, body: { workloadTps: 0 } });
    world.jump(2_000);
    const stopped = await endOfLog('sql-onprem');
    world.jump(2_000);
    expect(await endOfLog('sql-onprem')).toBe(stopped);
    // REFERENCE 3.2 step 3: SQL Server's end of log against ARM's lastHardenedLsn, stable
    const arm = await world.armClient.getLink(RG, 'mi-prod', 'Link_Sales');
    expect(BigInt(arm.databases[0].lastHardenedLsn as string)).toBe(stopped);
    await world.finish(await world.armClient.startFailover(RG, 'mi-prod', 'Link_Sales', 'Planned'));
    expect(await world.admin<WorkloadJson>('GET', '/instances/mi-prod/databases/Sales/workload')).toMatchObject({ body: { workloadTps: 0, link: { role: 'PRIMARY' } } });
    world.jump(2_000);
    expect(await endOfLog('mi-prod')).toBe(stopped);
  });

  it('set on the new primary, the link ships it; the old primary (now secondary) refuses it', async () => {
    expect(await world.admin('POST', '/instances/mi-prod/databases/Sales/workload', { tps: 10 })).toMatchObject({ status: 200, body: { workloadTps: 10 } });
    expect((await world.admin('POST', '/instances/sql-onprem/databases/Sales/workload', { tps: 10 })).status).toBe(409);
    const before = await endOfLog('mi-prod');
    world.jump(3_000);
    const after = await endOfLog('mi-prod');
    expect(after).toBeGreaterThan(before);
    world.jump(1_000);
    expect(await endOfLog('sql-onprem')).toBeGreaterThanOrEqual(after);
  });

  it('a failover moves what was set on the primary, even when no tick ran between (back to SQL Server)', async () => {
    expect(await world.admin('POST', '/instances/mi-prod/databases/Sales/workload', { tps: 7 })).toMatchObject({ status: 200 });
    await world.finish(await world.armClient.startFailover(RG, 'mi-prod', 'Link_Sales', 'Planned'));
    expect(await world.admin<WorkloadJson>('GET', '/instances/sql-onprem/databases/Sales/workload')).toMatchObject({ body: { workloadTps: 7, link: { role: 'PRIMARY' } } });
    expect(await world.admin<WorkloadJson>('GET', '/instances/mi-prod/databases/Sales/workload')).toMatchObject({ body: { workloadTps: 0, link: { role: 'SECONDARY' } } });
  });
});

describe("a managed instance's automated full backups (REFERENCE 3.8)", () => {
  it('none before firstFullAfterSeconds; the admin API says when the first one is due', async () => {
    expect(await fullBackups('mi-prod', 'Sales')).toEqual([]);
    const details = await world.admin<{ automatedBackups: unknown; databases: { name: string; automatedBackups: { existsSince: string; nextFullAt: string; firstFullAt: string | null } }[] }>('GET', '/instances/mi-prod');
    expect(details.body.automatedBackups).toEqual({ firstFullAfterSeconds: FIRST_FULL_S, fullIntervalHours: 24 });
    const sales = details.body.databases.find((d) => d.name === 'Sales')?.automatedBackups;
    // present when the estate started: it counts as created then
    const since = new Date(sales?.existsSince as string).getTime();
    expect(Math.abs(since - startedAt.getTime())).toBeLessThan(100);
    expect(new Date(sales?.nextFullAt as string).getTime()).toBe(since + FIRST_FULL_S * 1000);
    expect(sales?.firstFullAt).toBeNull();
  });

  it('a database the estate says already has one shows it in msdb from the start; long overdue, the next one is taken once, now', async () => {
    const rows = await fullBackups('mi-prod', 'Archive');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ type: 'D', is_copy_only: false });
    expect(rows[0].backup_finish_date.toISOString()).toBe(DECLARED);
    expect(rows[1].backup_start_date.getTime()).toBeGreaterThanOrEqual(startedAt.getTime());
  });

  it('the first full backup follows, on the link secondary too: type D, not copy-only, LSNs, dates, the service fields unpopulated; ARM lastBackupLsn', async () => {
    const lsnBefore = await endOfLog('mi-prod');
    world.jump(FIRST_FULL_S * 1000, 1_000);
    const rows = await fullBackups('mi-prod', 'Sales');
    expect(rows).toHaveLength(1);
    const b = rows[0];
    expect(b).toMatchObject({ database_name: 'Sales', type: 'D', is_copy_only: false, has_backup_checksums: true, name: null, user_name: null, machine_name: null, physical_device_name: null, device_type: 9 });
    expect(Math.abs(b.backup_start_date.getTime() - (startedAt.getTime() + FIRST_FULL_S * 1000))).toBeLessThan(100);
    expect(b.backup_finish_date.getTime()).toBeGreaterThan(b.backup_start_date.getTime());
    expect(BigInt(b.first_lsn)).toBeGreaterThanOrEqual(lsnBefore);
    expect(BigInt(b.last_lsn)).toBeGreaterThanOrEqual(BigInt(b.first_lsn));
    const details = await world.admin<{ databases: { name: string; automatedBackups: { firstFullAt: string } }[]; backups: { database: string; automated: boolean; type: string }[] }>('GET', '/instances/mi-prod');
    const firstFullAt = new Date(details.body.databases.find((d) => d.name === 'Sales')?.automatedBackups.firstFullAt as string).getTime();
    expect(Math.abs(firstFullAt - b.backup_finish_date.getTime())).toBeLessThan(4);
    expect(details.body.backups).toEqual(expect.arrayContaining([expect.objectContaining({ database: 'Sales', automated: true, type: 'D' })]));
    const arm = await world.armClient.getLink(RG, 'mi-prod', 'Link_Sales');
    expect(arm.databases[0].lastBackupLsn).toBe(b.last_lsn);
    // (msdb's datetime keeps 1/300 s; ARM's time is exact)
    expect(Math.abs((arm.databases[0].lastBackupTime?.getTime() ?? 0) - b.backup_finish_date.getTime())).toBeLessThan(4);
  });

  it('SQL Server takes none', async () => {
    const [n] = await world.rows<{ n: number }>('sql-onprem', "SELECT COUNT(*) AS n FROM msdb.dbo.backupset WHERE database_name = N'Sales'");
    expect(n.n).toBe(0);
  });

  it('a database created on the managed instance gets its first full backup firstFullAfterSeconds after it was created', async () => {
    await world.rows('mi-prod', 'CREATE DATABASE [Fresh]');
    const created = world.clock.now().getTime();
    world.jump((FIRST_FULL_S - 5) * 1000, 1_000);
    expect(await fullBackups('mi-prod', 'Fresh')).toEqual([]);
    world.jump(10_000, 1_000);
    const [b] = await fullBackups('mi-prod', 'Fresh');
    // the service noticed it at the workload tick after the CREATE
    const details = await world.admin<{ databases: { name: string; automatedBackups: { existsSince: string } }[] }>('GET', '/instances/mi-prod');
    const since = new Date(details.body.databases.find((d) => d.name === 'Fresh')?.automatedBackups.existsSince as string).getTime();
    expect(Math.abs(since - created)).toBeLessThanOrEqual(1_000);
    expect(Math.abs(b.backup_start_date.getTime() - (since + FIRST_FULL_S * 1000))).toBeLessThan(4);
  });

  it('a database restored from URL counts from the end of its restore', async () => {
    const container = `${azurite.blobEndpoint}/housekeeping`;
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('housekeeping').createIfNotExists();
    await world.rows('sql-onprem', `CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${azuriteAccountSas('rwdlc')}'`);
    await world.rows('mi-prod', `CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${azuriteAccountSas('rwdlc')}'`);
    await world.rows('sql-onprem', `BACKUP DATABASE [Sales] TO URL = N'${container}/Sales_copy.bak' WITH COPY_ONLY`);
    await world.rows('mi-prod', `RESTORE DATABASE [SalesCopy] FROM URL = N'${container}/Sales_copy.bak'`);
    let online: number | undefined;
    for (let i = 0; i < 100 && online === undefined; i++) {
      world.jump(250);
      const [s] = await world.rows<{ state_desc: string }>('mi-prod', "SELECT state_desc FROM sys.databases WHERE name = N'SalesCopy'");
      if (s?.state_desc === 'ONLINE') online = world.clock.now().getTime();
    }
    expect(online).toBeDefined();
    world.jump((FIRST_FULL_S + 5) * 1000, 1_000);
    const [b] = await fullBackups('mi-prod', 'SalesCopy');
    expect(b).toMatchObject({ type: 'D', is_copy_only: false });
    expect(b.backup_start_date.getTime() - (online as number)).toBeGreaterThanOrEqual(FIRST_FULL_S * 1000 - 500);
    expect(b.backup_start_date.getTime() - (online as number)).toBeLessThanOrEqual(FIRST_FULL_S * 1000);
  });

  it('goes on every fullIntervalHours', async () => {
    world.jump(25 * 3_600_000, 60_000);
    // the service's own (SalesCopy's restore recorded the restored COPY_ONLY set under 'Sales' too)
    const own = (await fullBackups('mi-prod', 'Sales')).filter((b) => !b.is_copy_only);
    expect(own).toHaveLength(2);
    expect(own[1].backup_start_date.getTime() - own[0].backup_finish_date.getTime()).toBe(24 * 3_600_000);
  });
});

describe('the estate file', () => {
  const withMi = (change: (estate: Estate) => void): Estate => {
    const e = linkedEstate();
    change(e);
    return e;
  };
  it('automatedBackups and automatedFullBackupAt are for managed instances only, and checked', () => {
    const problems = (e: Estate): string[] => {
      try {
        validateEstate(e);
        return [];
      } catch (err) {
        return (err as EstateError).problems;
      }
    };
    expect(problems(withMi((e) => (e.instances[0].automatedBackups = { firstFullAfterSeconds: 10 })))).toEqual([
      'instances[0].automatedBackups applies to managed instances only (SQL Server takes no automated backups)',
    ]);
    expect(problems(withMi((e) => ((e.instances[0].databases ?? [])[0].automatedFullBackupAt = DECLARED)))).toEqual([
      'instances[0].databases[0].automatedFullBackupAt applies to managed instances only (SQL Server takes no automated backups)',
    ]);
    expect(problems(withMi((e) => (e.instances[1].automatedBackups = { firstFullAfterSeconds: -1, fullIntervalHours: 0 })))).toEqual([
      'instances[1].automatedBackups.firstFullAfterSeconds must be a number >= 0',
      'instances[1].automatedBackups.fullIntervalHours must be a number > 0',
    ]);
    expect(problems(withMi((e) => ((e.instances[1].databases ?? [])[0].automatedFullBackupAt = 'yesterday')))).toEqual([
      'instances[1].databases[0].automatedFullBackupAt must be an ISO date-time',
    ]);
    expect(problems(withMi((e) => (e.instances[1].automatedBackups = { firstFullAfterSeconds: 0 })))).toEqual([]);
  });
});
