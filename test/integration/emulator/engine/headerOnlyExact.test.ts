// The app's exact RESTORE HEADERONLY (INSERT ... EXEC sp_executesql into a table variable, LSNs
// selected as text) through mssql against an emulated SQL Server 2022, after a real BACKUP TO URL
// into Azurite: the LSNs come back as the exact digits msdb.dbo.backupset recorded.
import sql from 'mssql';
import { BlobServiceClient } from '@azure/storage-blob';
import type { RunningEstate } from '../../../../emulator/engine/estateServer';
import { headerOnlyExact } from '../../../../shared/restore/headerQuery';
import { azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../../helpers/azurite';
import { openPool, startTestEstate } from './estateFixture';

const sas = (): string => azuriteAccountSas('rwdlc');

type HeaderRow = Record<string, unknown> & { FirstLSN: string; LastLSN: string; CheckpointLSN: string; DatabaseBackupLSN: string };

describe('headerOnlyExact through mssql', () => {
  let azurite: AzuriteInstance;
  let estate: RunningEstate;
  let pool: sql.ConnectionPool;
  let container: string;

  beforeAll(async () => {
    [azurite, estate] = await Promise.all([startAzurite(), startTestEstate()]);
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('backups').createIfNotExists();
    container = `${azurite.blobEndpoint}/backups`;
    pool = await openPool(estate.find('sql-onprem'), { requestTimeout: 0 });
    await pool.request().batch(`CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas()}'`);
  });

  afterAll(async () => {
    await pool?.close().catch(() => undefined);
    await estate?.stop();
    await azurite?.stop();
  });

  /** runs the statement exactly as the app sends it: request.input(...) + query() (sp_executesql) */
  async function header(url: string): Promise<sql.IResult<HeaderRow>> {
    const { text, params } = headerOnlyExact(url).parameterized();
    const request = pool.request();
    for (const p of params) request.input(p.name, sql.NVarChar, p.value);
    return request.query<HeaderRow>(text);
  }

  async function backupsetLsns(url: string): Promise<{ first_lsn: string; last_lsn: string; checkpoint_lsn: string; database_backup_lsn: string }[]> {
    const r = await pool
      .request()
      .input('url', sql.NVarChar, url)
      .query<{ first_lsn: string; last_lsn: string; checkpoint_lsn: string; database_backup_lsn: string }>(
        `SELECT CAST(bs.first_lsn AS varchar(25)) AS first_lsn, CAST(bs.last_lsn AS varchar(25)) AS last_lsn,
                CAST(bs.checkpoint_lsn AS varchar(25)) AS checkpoint_lsn, CAST(bs.database_backup_lsn AS varchar(25)) AS database_backup_lsn
         FROM msdb.dbo.backupset bs JOIN msdb.dbo.backupmediafamily mf ON mf.media_set_id = bs.media_set_id
         WHERE mf.physical_device_name = @url`,
      );
    return r.recordset;
  }

  it('a full and a log backup: LSN columns are the exact digits of msdb.dbo.backupset', async () => {
    const fullUrl = `${container}/Sales_full_exact.bak`;
    const logUrl = `${container}/Sales_log_exact.trn`;
    await pool.request().batch(`BACKUP DATABASE [Sales] TO URL = N'${fullUrl}' WITH FORMAT`);
    await pool.request().batch(`BACKUP LOG [Sales] TO URL = N'${logUrl}' WITH FORMAT`);

    for (const [url, backupType] of [[fullUrl, 1], [logUrl, 2]] as const) {
      const result = await header(url);
      // one result set (the EXEC's was captured by the INSERT), one row, all 59 columns
      expect(result.recordsets).toHaveLength(1);
      expect(result.recordset).toHaveLength(1);
      const row = result.recordset[0];
      expect(Object.keys(row)).toHaveLength(59);
      expect(row).toMatchObject({ BackupType: backupType, DatabaseName: 'Sales', Position: 1, SoftwareVersionMajor: 16 });
      const [history] = await backupsetLsns(url);
      expect(history).toBeDefined();
      expect([row.FirstLSN, row.LastLSN, row.CheckpointLSN, row.DatabaseBackupLSN]).toEqual([
        history.first_lsn,
        history.last_lsn,
        history.checkpoint_lsn,
        history.database_backup_lsn,
      ]);
      for (const lsn of [row.FirstLSN, row.LastLSN]) {
        expect(lsn).toMatch(/^\d+$/);
        // beyond 2^53: a JavaScript number could not have carried these digits
        expect(BigInt(lsn) > 2n ** 53n).toBe(true);
      }
      expect(BigInt(row.LastLSN) >= BigInt(row.FirstLSN)).toBe(true);
    }
  });

  it('another database\'s full backup reads its own exact LSNs', async () => {
    const fullUrl = `${container}/Archive_full_exact.bak`;
    await pool.request().batch(`BACKUP DATABASE [Archive] TO URL = N'${fullUrl}' WITH FORMAT`);
    const result = await header(fullUrl);
    const [history] = await backupsetLsns(fullUrl);
    expect(result.recordset[0]).toMatchObject({ DatabaseName: 'Archive', FirstLSN: history.first_lsn, LastLSN: history.last_lsn });
  });

  it('a managed instance reads a SQL Server backup header with the same exact LSNs', async () => {
    const url = `${container}/Sales_for_mi.bak`;
    await pool.request().batch(`BACKUP DATABASE [Sales] TO URL = N'${url}' WITH COPY_ONLY, FORMAT`);
    const mi = await openPool(estate.find('mi-prod'));
    try {
      await mi.request().batch(`CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas()}'`);
      const { text, params } = headerOnlyExact(url).parameterized();
      const request = mi.request();
      for (const p of params) request.input(p.name, sql.NVarChar, p.value);
      const result = await request.query<HeaderRow>(text);
      const [history] = await backupsetLsns(url);
      expect(result.recordset).toHaveLength(1);
      expect(result.recordset[0]).toMatchObject({ DatabaseName: 'Sales', IsCopyOnly: true, FirstLSN: history.first_lsn, LastLSN: history.last_lsn });
    } finally {
      await mi.close();
    }
  });

  it('a missing blob fails the way RESTORE HEADERONLY fails, and nothing is returned', async () => {
    await expect(header(`${container}/nope.bak`)).rejects.toMatchObject({ number: 3013 });
  });
});
