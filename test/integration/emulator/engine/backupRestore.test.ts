// BACKUP TO URL and RESTORE FROM URL through the engine (emulator/backup behind it) with Azurite
// as the storage and mssql as the client: history in msdb, progress in sys.dm_exec_requests, a
// restore run by a one-time Agent job that outlives the connection that started it, and a
// managed instance's restore in sys.dm_operation_status.
import sql from 'mssql';
import { BlobServiceClient } from '@azure/storage-blob';
import type { RunningEstate } from '../../../../emulator/engine/estateServer';
import { azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../../helpers/azurite';
import { openPool, startTestEstate } from './estateFixture';

const sas = (permissions: string): string => azuriteAccountSas(permissions);

async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('BACKUP and RESTORE through the engine', () => {
  let azurite: AzuriteInstance;
  let estate: RunningEstate;
  let container: string;
  const pools: sql.ConnectionPool[] = [];
  const pool = async (name: string): Promise<sql.ConnectionPool> => {
    const p = await openPool(estate.find(name), { requestTimeout: 0 });
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    [azurite, estate] = await Promise.all([startAzurite(), startTestEstate()]);
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await service.getContainerClient('backups').createIfNotExists();
    container = `${azurite.blobEndpoint}/backups`;
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    await estate?.stop();
    await azurite?.stop();
  });

  it('backs up with a SAS credential and restores under a new name WITH MOVE, recording msdb history', async () => {
    const p = await pool('sql-onprem');
    await p.request().batch(`CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas('rwdlc')}'`);
    const infos: { number: number; message: string }[] = [];
    const backup = p.request();
    backup.on('info', (m: { number: number; message: string }) => infos.push(m));
    await backup.batch(`BACKUP DATABASE [Sales] TO URL = N'${container}/Sales_full.bak' WITH COPY_ONLY, FORMAT, STATS = 50`);
    expect(infos.map((m) => m.number)).toContain(3014);

    const restoreInfos: number[] = [];
    const restore = p.request();
    restore.on('info', (m: { number: number }) => restoreInfos.push(m.number));
    await restore.batch(
      `RESTORE DATABASE [Sales_copy] FROM URL = N'${container}/Sales_full.bak'
       WITH MOVE N'Sales' TO N'/var/opt/mssql/data/Sales_copy.mdf', MOVE N'Sales_log' TO N'/var/opt/mssql/data/Sales_copy_log.ldf', STATS = 25`,
    );
    expect(restoreInfos).toEqual(expect.arrayContaining([3211, 3014]));
    const db = await p.request().query<{ state_desc: string; recovery_model_desc: string }>("SELECT state_desc, recovery_model_desc FROM sys.databases WHERE name = N'Sales_copy'");
    expect(db.recordset).toEqual([{ state_desc: 'ONLINE', recovery_model_desc: 'FULL' }]);
    const rows = await p.request().query<{ name: string; rows: string }>(
      'SELECT t.name, p.rows FROM Sales_copy.sys.tables t JOIN Sales_copy.sys.partitions p ON p.object_id = t.object_id ORDER BY t.name',
    );
    // sys.partitions.rows is bigint: tedious returns it as a string
    expect(rows.recordset).toEqual([
      { name: 'Customers', rows: '200' },
      { name: 'Orders', rows: '1500' },
    ]);
    const history = await p.request().query<{ destination_database_name: string; restore_type: string; database_name: string }>(
      `SELECT rh.destination_database_name, rh.restore_type, bs.database_name
       FROM msdb.dbo.restorehistory rh JOIN msdb.dbo.backupset bs ON bs.backup_set_id = rh.backup_set_id`,
    );
    expect(history.recordset).toEqual([{ destination_database_name: 'Sales_copy', restore_type: 'D', database_name: 'Sales' }]);
  });

  it('restore faults (fail at N percent, disk full) surface as SQL Server reports them, and clear', async () => {
    const p = await pool('sql-onprem');
    const admin = (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${estate.adminUrl}/instances/sql-onprem${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const restore = (name: string): Promise<unknown> =>
      p.request().batch(
        `RESTORE DATABASE [${name}] FROM URL = N'${container}/Sales_full.bak'
         WITH MOVE N'Sales' TO N'/var/opt/mssql/data/${name}.mdf', MOVE N'Sales_log' TO N'/var/opt/mssql/data/${name}_log.ldf'`,
      );
    expect((await admin('POST', '/faults', { kind: 'restoreFailAtPercent', percent: 50 })).status).toBe(201);
    await expect(restore('Sales_fail')).rejects.toMatchObject({ number: 3013, message: 'RESTORE DATABASE is terminating abnormally.' });
    await admin('DELETE', '/faults/restoreFailAtPercent');
    await admin('POST', '/faults', { kind: 'diskFull' });
    const full = (await restore('Sales_full_disk').catch((e: unknown) => e)) as { number: number; precedingErrors: { number: number }[] };
    expect(full.number).toBe(3013);
    expect(full.precedingErrors.map((e) => e.number)).toContain(3257);
    await admin('DELETE', '/faults');
    await restore('Sales_after_faults');
    const db = await p.request().query<{ state_desc: string }>("SELECT state_desc FROM sys.databases WHERE name = N'Sales_after_faults'");
    expect(db.recordset).toEqual([{ state_desc: 'ONLINE' }]);
  });

  it('a RESTORE run by a one-time Agent job survives its caller and shows progress in sys.dm_exec_requests', async () => {
    const p = await pool('sql-onprem');
    await p.request().batch(`IF NOT EXISTS (SELECT 1 FROM sys.credentials WHERE name = N'${container}')
      CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas('rwdlc')}'`);
    await p.request().batch(`BACKUP DATABASE [Big] TO URL = N'${container}/Big.bak' WITH COPY_ONLY, FORMAT`);
    const starter = await openPool(estate.find('sql-onprem'));
    const restoreSql = `RESTORE DATABASE [Big_copy] FROM URL = N''${container}/Big.bak'' WITH MOVE N''Big'' TO N''/var/opt/mssql/data/Big_copy.mdf'', MOVE N''Big_log'' TO N''/var/opt/mssql/data/Big_copy_log.ldf'', STATS = 10`;
    await starter.request().batch(`
      EXEC msdb.dbo.sp_add_job @job_name = N'restore Big_copy', @delete_level = 1;
      EXEC msdb.dbo.sp_add_jobstep @job_name = N'restore Big_copy', @step_name = N'restore', @subsystem = N'TSQL', @command = N'${restoreSql}', @database_name = N'master';
      EXEC msdb.dbo.sp_add_jobserver @job_name = N'restore Big_copy';
      EXEC msdb.dbo.sp_start_job @job_name = N'restore Big_copy';`);
    await starter.close();

    const progress = await until('restore progress', async () => {
      const r = await p.request().query<{ percent_complete: number; estimated_completion_time: string }>(
        "SELECT percent_complete, estimated_completion_time FROM sys.dm_exec_requests WHERE command = 'RESTORE DATABASE'",
      );
      return r.recordset.find((x) => x.percent_complete > 0);
    });
    expect(progress.percent_complete).toBeLessThan(100);
    await until('job to finish', async () => {
      const r = await p.request().query<{ n: number }>("SELECT COUNT(*) AS n FROM msdb.dbo.sysjobs WHERE name = N'restore Big_copy'");
      return r.recordset[0].n === 0 ? true : undefined;
    }, 1200);
    const db = await p.request().query<{ state_desc: string }>("SELECT state_desc FROM sys.databases WHERE name = N'Big_copy'");
    expect(db.recordset).toEqual([{ state_desc: 'ONLINE' }]);
  });

  it('KILL of the restoring session aborts a SQL Server RESTORE (the database stays RESTORING)', async () => {
    const p = await pool('sql-onprem');
    await p.request().batch(`IF NOT EXISTS (SELECT 1 FROM sys.credentials WHERE name = N'${container}')
      CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas('rwdlc')}'`);
    const blob = `${container}/Big_abort.bak`;
    await p.request().batch(`BACKUP DATABASE [Big] TO URL = N'${blob}' WITH COPY_ONLY, FORMAT`);
    const client = await openPool(estate.find('sql-onprem'), { requestTimeout: 0 });
    const running = client
      .request()
      .batch(`RESTORE DATABASE [Big_aborted] FROM URL = N'${blob}' WITH MOVE N'Big' TO N'/var/opt/mssql/data/Big_aborted.mdf', MOVE N'Big_log' TO N'/var/opt/mssql/data/Big_aborted_log.ldf'`)
      .catch((e: unknown) => e);
    const spid = await until('the restore to run', async () => {
      const r = await p.request().query<{ session_id: number }>("SELECT session_id FROM sys.dm_exec_requests WHERE command = 'RESTORE DATABASE' AND percent_complete > 0");
      return r.recordset[0]?.session_id;
    });
    await p.request().batch(`KILL ${spid}`);
    expect(await running).toBeInstanceOf(Error);
    await client.close();
    await until('the restore to stop', async () => {
      const r = await p.request().query<{ n: number }>("SELECT COUNT(*) AS n FROM sys.dm_exec_requests WHERE command = 'RESTORE DATABASE'");
      return r.recordset[0].n === 0 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 100));
    const db = await p.request().query<{ state_desc: string }>("SELECT state_desc FROM sys.databases WHERE name = N'Big_aborted'");
    expect(db.recordset).toEqual([{ state_desc: 'RESTORING' }]);
  });

  it("a managed instance restores from URL without WITH options and reports it in sys.dm_operation_status", async () => {
    const mi = await pool('mi-prod');
    await mi.request().batch(`CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas('rl')}'`);
    await mi.request().batch(`RESTORE DATABASE [Sales_from_sql] FROM URL = N'${container}/Sales_full.bak'`);
    const op = await until('operation status', async () => {
      const r = await mi.request().query<{ state_desc: string; percent_complete: number }>(
        "SELECT state_desc, percent_complete FROM sys.dm_operation_status WHERE operation = 'RESTORE DATABASE' AND major_resource_id = N'Sales_from_sql'",
      );
      return r.recordset.find((x) => x.state_desc === 'COMPLETED');
    }, 1200);
    expect(op.percent_complete).toBe(100);
    await expect(mi.request().batch(`RESTORE DATABASE [x] FROM URL = N'${container}/Sales_full.bak' WITH REPLACE`)).rejects.toMatchObject({ number: 3013 });
  });

  it("a managed identity credential works once the admin API grants the identity access to the container", async () => {
    const mi = await pool('mi-prod');
    const exports = `${container}/exports`;
    await mi.request().batch(`CREATE CREDENTIAL [${exports}] WITH IDENTITY = 'MANAGED IDENTITY'`);
    const backup = `BACKUP DATABASE [Billing] TO URL = N'${exports}/Billing.bak' WITH COPY_ONLY`;
    await expect(mi.request().batch(backup)).rejects.toMatchObject({ number: 3013 });
    const grant = await fetch(`${estate.adminUrl}/instances/mi-prod/identity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ urlPrefix: container, sas: sas('rwdlc') }),
    });
    expect(grant.status).toBe(201);
    await mi.request().batch(backup);
    const sets = await mi.request().query<{ database_name: string; is_copy_only: boolean }>("SELECT database_name, is_copy_only FROM msdb.dbo.backupset WHERE database_name = N'Billing'");
    // the managed instance's own automated full backups are there too (is_copy_only 0): the user's is the copy-only one
    expect(sets.recordset.filter((r) => r.is_copy_only)).toEqual([{ database_name: 'Billing', is_copy_only: true }]);
  });
});
