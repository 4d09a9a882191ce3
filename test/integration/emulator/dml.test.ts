// Sanitizing DML on the modelled user tables through the real mssql client: UPDATE / DELETE /
// TRUNCATE TABLE / INSERT change (or report) the row counts that sys.partitions and COUNT(*) show,
// in the session's database, by three-part names and in an Agent job step's database; they write
// log; a rollback undoes them; BACKUP / RESTORE and a restart from the state file carry the counts.
// Errors come as SQL Server gives them (208, 4701, 207-free column names, 206 / 33299 for Always
// Encrypted columns, 8102, 544, 264, 4104, 259, 3906).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sql from 'mssql';
import { BlobServiceClient } from '@azure/storage-blob';
import { defaultServices } from '../../../emulator/engine/defaultServices';
import type { Estate } from '../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../emulator/engine/estateServer';
import { azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../helpers/azurite';
import { openPool } from '../../helpers/emulatorPool';
import { managedInstance, sqlServer } from '../../helpers/emulatorEstate';

const PASSWORD = 'Local-Only-Test-Password-9';

function estateFile(): Estate {
  return {
    clockSpeed: 50,
    instances: [
      sqlServer('sql-onprem', PASSWORD, {
        databases: [
          {
            name: 'Shop',
            recoveryModel: 'FULL',
            tables: [
              { name: 'Customers', rows: 200, encryptedColumns: ['TaxId'] },
              { name: 'Orders', rows: 1500 },
              { schema: 'audit', name: 'Events', rows: 50 },
              { name: 'Staging', rows: 30 },
            ],
          },
          { name: 'Other', recoveryModel: 'SIMPLE', tables: [{ name: 'Customers', rows: 7 }] },
          { name: 'Frozen', recoveryModel: 'SIMPLE', tables: [{ name: 'Customers', rows: 3 }] },
        ],
      }),
      managedInstance('mi-prod', PASSWORD, { updatePolicy: 'SQL Server 2022', databases: [{ name: 'Billing', tables: [{ name: 'Invoices', rows: 10 }] }] }),
    ],
  };
}

interface SqlErrorShape {
  number: number;
  message: string;
  class?: number;
}

describe('DML on the modelled user tables (mssql)', () => {
  let estate: RunningEstate;
  const pools: sql.ConnectionPool[] = [];
  const pool = async (instance: string, database = 'master'): Promise<sql.ConnectionPool> => {
    const p = await openPool(estate.find(instance), { database });
    pools.push(p);
    return p;
  };
  const rowsOf = async (p: sql.ConnectionPool, table: string, database = 'Shop'): Promise<{ partitions: number; counted: number }> => {
    const [schema, name] = table.split('.');
    const r = await p.request().query<{ rows: string; counted: number }>(
      `SELECT p.rows, (SELECT COUNT(*) FROM [${database}].[${schema}].[${name}]) AS counted
       FROM [${database}].sys.tables t JOIN [${database}].sys.schemas s ON s.schema_id = t.schema_id
       JOIN [${database}].sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1)
       WHERE s.name = N'${schema}' AND t.name = N'${name}'`,
    );
    return { partitions: Number(r.recordset[0].rows), counted: r.recordset[0].counted };
  };
  const failure = async (run: Promise<unknown>): Promise<SqlErrorShape> => {
    try {
      await run;
    } catch (e) {
      const err = e as { number?: number; message: string; class?: number; originalError?: { info?: { class?: number } } };
      return { number: err.number ?? -1, message: err.message, class: err.class ?? err.originalError?.info?.class };
    }
    throw new Error('expected the statement to fail');
  };
  const logBytes = async (p: sql.ConnectionPool, database: string): Promise<number> => {
    const r = await p
      .request()
      .input('db', sql.NVarChar(128), database)
      .query<{ v: string }>(
        "SELECT cntr_value AS v FROM sys.dm_os_performance_counters WHERE RTRIM(counter_name) = N'Log Bytes Flushed/sec' AND RTRIM(instance_name) = @db",
      );
    return Number(r.recordset[0].v);
  };

  beforeAll(async () => {
    estate = await startEstate(estateFile(), { services: defaultServices() });
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    await estate?.stop();
  });

  it('UPDATE without WHERE affects every row (the DONE count mssql reports) and writes log; the row count stays', async () => {
    const p = await pool('sql-onprem', 'Shop');
    const before = await logBytes(p, 'Shop');
    const r = await p.request().batch("UPDATE dbo.Customers SET Email = CONCAT('user', CustomerId, '@example.invalid')");
    expect(r.rowsAffected).toEqual([200]);
    expect(await rowsOf(p, 'dbo.Customers')).toEqual({ partitions: 200, counted: 200 });
    // one log record a row plus the transaction's begin and commit, 256 bytes each
    expect((await logBytes(p, 'Shop')) - before).toBe((200 + 2) * 256);
    const multi = await p.request().batch("UPDATE [dbo].[Customers] WITH (ROWLOCK) SET Email = NULL, Phone = N'000', Notes = DEFAULT; SELECT @@ROWCOUNT AS n");
    expect(multi.rowsAffected).toEqual([200, 1]);
    expect(multi.recordset).toEqual([{ n: 200 }]);
  });

  it('UPDATE WHERE: constant predicates and the modelled Id are evaluated; other columns count every row', async () => {
    const p = await pool('sql-onprem', 'Shop');
    const counts = async (text: string): Promise<number[]> => (await p.request().batch(text)).rowsAffected;
    expect(await counts("UPDATE dbo.Customers SET Email = 'x' WHERE 1 = 0")).toEqual([0]);
    expect(await counts("UPDATE dbo.Customers SET Email = 'x' WHERE 1 = 1 AND NULL IS NULL")).toEqual([200]);
    expect(await counts("UPDATE dbo.Customers SET Email = 'x' WHERE Id <= 10")).toEqual([10]);
    expect(await counts("UPDATE dbo.Customers SET Email = 'x' WHERE Customers.Id BETWEEN 5 AND 6 OR Id = 200")).toEqual([3]);
    expect(await counts("UPDATE dbo.Customers SET Email = 'x' WHERE Email LIKE '%@corp.example'")).toEqual([200]);
    expect(await counts("UPDATE dbo.Customers SET Email = 'x' WHERE CustomerId IN (SELECT CustomerId FROM dbo.Orders)")).toEqual([200]);
    expect(await counts("UPDATE TOP (5) dbo.Customers SET Email = 'x'")).toEqual([5]);
    expect(await counts("UPDATE TOP (10) PERCENT dbo.Customers SET Email = 'x' WHERE Region = 'EU'")).toEqual([20]);
    expect(await counts("UPDATE dbo.Customers SET Visits += 1, Score *= 2 WHERE Id > 190")).toEqual([10]);
    const withVariable = await p.request().input('cut', sql.Int, 150).query("UPDATE dbo.Customers SET Email = N'y' WHERE Id > @cut");
    expect(withVariable.rowsAffected).toEqual([50]);
  });

  it('UPDATE errors: 208, 206 / 33299 for an Always Encrypted column, 8102, 264, 4104, 259, 137, 8134', async () => {
    const p = await pool('sql-onprem', 'Shop');
    expect(await failure(p.request().batch("UPDATE dbo.Nope SET a = 1"))).toMatchObject({ number: 208, message: "Invalid object name 'dbo.Nope'." });
    expect(await failure(p.request().batch("UPDATE Nowhere.dbo.Customers SET a = 1"))).toMatchObject({ number: 208, message: "Invalid object name 'Nowhere.dbo.Customers'." });
    expect(await failure(p.request().batch("UPDATE dbo.Customers SET TaxId = 'REDACTED'"))).toEqual({
      number: 206,
      class: 16,
      message:
        "Operand type clash: varchar is incompatible with nvarchar(100) encrypted with (encryption_type = 'RANDOMIZED', encryption_algorithm_name = 'AEAD_AES_256_CBC_HMAC_SHA_256', column_encryption_key_name = 'CEK_Auto1', column_encryption_key_database_name = 'Shop') collation_name = 'Latin1_General_BIN2'",
    });
    expect((await failure(p.request().batch("UPDATE dbo.Customers SET TaxId = CONCAT(N'x', CustomerId)"))).message).toMatch(/^Operand type clash: nvarchar is incompatible with nvarchar\(100\) encrypted/);
    const parameter = await failure(p.request().input('tax', sql.NVarChar(100), 'x').query('UPDATE dbo.Customers SET TaxId = @tax'));
    expect(parameter).toMatchObject({ number: 33299 });
    expect(parameter.message).toMatch(/^Encryption scheme mismatch for columns\/variables '@tax'\. The encryption scheme for the columns\/variables is \(encryption_type = 'PLAINTEXT'\)/);
    // NULL, DEFAULT and the column itself need no encryption by the client
    expect((await p.request().batch('UPDATE dbo.Customers SET TaxId = NULL WHERE Id = 1; UPDATE dbo.Customers SET TaxId = TaxId WHERE Id = 1')).rowsAffected).toEqual([1, 1]);
    expect(await failure(p.request().batch('UPDATE dbo.Customers SET Id = 1'))).toMatchObject({ number: 8102, message: "Cannot update identity column 'Id'." });
    expect(await failure(p.request().batch('UPDATE dbo.Customers SET Email = 1, email = 2'))).toMatchObject({ number: 264 });
    expect(await failure(p.request().batch('UPDATE dbo.Customers SET c.Email = 1'))).toMatchObject({ number: 4104, message: 'The multi-part identifier "c.Email" could not be bound.' });
    expect(await failure(p.request().batch("UPDATE sys.databases SET name = 'x'"))).toMatchObject({ number: 259, message: 'Ad hoc updates to system catalogs are not allowed.' });
    expect(await failure(p.request().batch('UPDATE dbo.Customers SET Email = @nope'))).toMatchObject({ number: 137, message: 'Must declare the scalar variable "@nope".' });
    expect(await failure(p.request().batch('UPDATE dbo.Customers SET Score = 1 / 0'))).toMatchObject({ number: 8134 });
    expect(await failure(p.request().batch('UPDATE dbo.Customers SET Email = 1 FROM dbo.Customers c'))).toMatchObject({ number: 40517 });
    // a refused statement changed nothing
    expect(await rowsOf(p, 'dbo.Customers')).toEqual({ partitions: 200, counted: 200 });
  });

  it('DELETE: without WHERE or with one the model can evaluate the rows go; with another WHERE none do', async () => {
    const p = await pool('sql-onprem', 'Shop');
    expect((await p.request().batch('DELETE FROM dbo.Orders WHERE Id > 1400')).rowsAffected).toEqual([100]);
    expect(await rowsOf(p, 'dbo.Orders')).toEqual({ partitions: 1400, counted: 1400 });
    expect((await p.request().batch("DELETE FROM dbo.Orders WHERE CreatedAt < DATEADD(day, -30, SYSUTCDATETIME())")).rowsAffected).toEqual([0]);
    expect((await p.request().batch('DELETE dbo.Orders WHERE 1 = 0')).rowsAffected).toEqual([0]);
    expect((await p.request().batch('DELETE TOP (25) FROM dbo.Orders')).rowsAffected).toEqual([25]);
    expect(await rowsOf(p, 'dbo.Orders')).toEqual({ partitions: 1375, counted: 1375 });
    expect((await p.request().batch('DELETE FROM audit.Events')).rowsAffected).toEqual([50]);
    expect(await rowsOf(p, 'audit.Events')).toEqual({ partitions: 0, counted: 0 });
    expect(await failure(p.request().batch('DELETE FROM dbo.Gone'))).toMatchObject({ number: 208, message: "Invalid object name 'dbo.Gone'." });
  });

  it('TRUNCATE TABLE empties the table without a row count; 4701 for a table that is not there', async () => {
    const p = await pool('sql-onprem', 'Shop');
    const r = await p.request().batch('TRUNCATE TABLE dbo.Staging; SELECT @@ROWCOUNT AS n');
    expect(r.rowsAffected).toEqual([1]);
    expect(r.recordset).toEqual([{ n: 0 }]);
    expect(await rowsOf(p, 'dbo.Staging')).toEqual({ partitions: 0, counted: 0 });
    expect(await failure(p.request().batch('TRUNCATE TABLE dbo.Gone'))).toMatchObject({
      number: 4701,
      message: 'Cannot find the object "dbo.Gone" because it does not exist or you do not have permissions.',
    });
  });

  it('INSERT adds rows to a user table; identity and Always Encrypted columns are refused as SQL Server refuses them', async () => {
    const p = await pool('sql-onprem', 'Shop');
    const r = await p.request().batch("INSERT INTO dbo.Staging (Code, Label) VALUES ('a', N'first'), ('b', N'second'), ('c', NULL)");
    expect(r.rowsAffected).toEqual([3]);
    expect(await rowsOf(p, 'dbo.Staging')).toEqual({ partitions: 3, counted: 3 });
    const fromSelect = await p.request().batch('INSERT dbo.Staging (Code) SELECT TOP (5) Id FROM dbo.Orders ORDER BY Id; SELECT SCOPE_IDENTITY() AS id');
    expect(fromSelect.rowsAffected).toEqual([5, 1]);
    expect(fromSelect.recordset).toEqual([{ id: 8 }]);
    expect((await p.request().batch('INSERT INTO dbo.Staging DEFAULT VALUES')).rowsAffected).toEqual([1]);
    expect(await rowsOf(p, 'dbo.Staging')).toEqual({ partitions: 9, counted: 9 });
    expect(await failure(p.request().batch("INSERT INTO dbo.Staging (Id, Code) VALUES (1, 'x')"))).toMatchObject({
      number: 544,
      message: "Cannot insert explicit value for identity column in table 'Staging' when IDENTITY_INSERT is set to OFF.",
    });
    expect((await p.request().batch("SET IDENTITY_INSERT dbo.Staging ON; INSERT INTO dbo.Staging (Id, Code) VALUES (100, 'x'); SET IDENTITY_INSERT dbo.Staging OFF")).rowsAffected).toEqual([1]);
    expect((await failure(p.request().batch("INSERT INTO dbo.Customers (Email, TaxId) VALUES ('a@b', '123')"))).number).toBe(206);
    expect(await failure(p.request().batch("INSERT INTO dbo.Staging (Code, Code) VALUES ('a', 'b')"))).toMatchObject({ number: 264 });
    expect(await failure(p.request().batch("INSERT INTO dbo.Staging (Code, Label) VALUES ('a')"))).toMatchObject({ number: 109 });
    expect(await failure(p.request().batch("INSERT INTO dbo.Nope VALUES (1)"))).toMatchObject({ number: 208 });
    expect(await rowsOf(p, 'dbo.Staging')).toEqual({ partitions: 10, counted: 10 });
    // table variables keep their real rows
    const tv = await p.request().batch("DECLARE @t TABLE (id int IDENTITY, v nvarchar(10)); INSERT @t (v) VALUES (N'a'), (N'b'); SELECT id, v FROM @t ORDER BY id");
    expect(tv.recordset).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
  });

  it('works in the session database (USE), by three-part names, and refuses a read-only database with 3906', async () => {
    const p = await pool('sql-onprem');
    const r = await p.request().batch("USE Other; UPDATE dbo.Customers SET Email = 'x'; DELETE FROM [Shop].[dbo].[Customers] WHERE Id > 190; USE master");
    expect(r.rowsAffected).toEqual([7, 10]);
    expect(await rowsOf(p, 'dbo.Customers', 'Other')).toEqual({ partitions: 7, counted: 7 });
    expect(await rowsOf(p, 'dbo.Customers', 'Shop')).toEqual({ partitions: 190, counted: 190 });
    await p.request().batch('ALTER DATABASE [Frozen] SET READ_ONLY');
    expect(await failure(p.request().batch('DELETE FROM Frozen.dbo.Customers'))).toMatchObject({
      number: 3906,
      message: 'Failed to update database "Frozen" because the database is read-only.',
    });
    await p.request().batch('ALTER DATABASE [Frozen] SET READ_WRITE');
    expect((await p.request().batch('DELETE FROM Frozen.dbo.Customers')).rowsAffected).toEqual([3]);
    // on a managed instance too
    const mi = await pool('mi-prod', 'Billing');
    expect((await mi.request().batch("UPDATE dbo.Invoices SET Customer = N'anon'; INSERT dbo.Invoices (Customer) VALUES (N'x')")).rowsAffected).toEqual([10, 1]);
    expect(await rowsOf(mi, 'dbo.Invoices', 'Billing')).toEqual({ partitions: 11, counted: 11 });
  });

  it('a rollback undoes the change of row count (and to a savepoint only what came after it); a commit keeps it', async () => {
    const p = await pool('sql-onprem', 'Shop');
    await p.request().batch('BEGIN TRAN; DELETE FROM dbo.Orders; TRUNCATE TABLE dbo.Customers; ROLLBACK');
    expect(await rowsOf(p, 'dbo.Orders')).toEqual({ partitions: 1375, counted: 1375 });
    expect(await rowsOf(p, 'dbo.Customers')).toEqual({ partitions: 190, counted: 190 });
    await p.request().batch("BEGIN TRAN; DELETE TOP (75) FROM dbo.Orders; SAVE TRAN s1; INSERT dbo.Orders (Ref) VALUES ('a'), ('b'); ROLLBACK TRAN s1; COMMIT");
    expect(await rowsOf(p, 'dbo.Orders')).toEqual({ partitions: 1300, counted: 1300 });
    // mssql's Transaction (TDS transaction manager requests) rolls back the same way
    const tx = new sql.Transaction(p);
    await tx.begin();
    expect((await new sql.Request(tx).batch('DELETE FROM dbo.Orders WHERE Id <= 300')).rowsAffected).toEqual([300]);
    await tx.rollback();
    expect(await rowsOf(p, 'dbo.Orders')).toEqual({ partitions: 1300, counted: 1300 });
  });

  it('an Agent job step runs sanitizing DML in its @database_name; a failing step records the error number', async () => {
    const p = await pool('sql-onprem');
    const before = await rowsOf(p, 'dbo.Orders');
    const command = "UPDATE dbo.Customers SET Email = CONCAT('user', CustomerId, '@example.invalid');\nDELETE FROM dbo.Orders WHERE Id > 1000;";
    await p
      .request()
      .input('command', sql.NVarChar(sql.MAX), command)
      .query(
        `EXEC msdb.dbo.sp_add_job @job_name = N'sanitize-shop', @delete_level = 0;
         EXEC msdb.dbo.sp_add_jobstep @job_name = N'sanitize-shop', @step_name = N'run', @subsystem = N'TSQL', @database_name = N'Shop', @command = @command;
         EXEC msdb.dbo.sp_add_jobserver @job_name = N'sanitize-shop', @server_name = N'(local)';
         EXEC msdb.dbo.sp_start_job @job_name = N'sanitize-shop';`,
      );
    const outcome = await waitForJob(p, 'sanitize-shop');
    expect(outcome.map((h) => [h.step_id, h.run_status])).toEqual([
      [1, 1],
      [0, 1],
    ]);
    expect(await rowsOf(p, 'dbo.Orders')).toEqual({ partitions: 1000, counted: 1000 });
    expect(before.partitions).toBe(1300);

    await p.request().batch(`EXEC msdb.dbo.sp_add_job @job_name = N'sanitize-bad', @delete_level = 0;
      EXEC msdb.dbo.sp_add_jobstep @job_name = N'sanitize-bad', @step_name = N'run', @subsystem = N'TSQL', @database_name = N'Shop', @command = N'UPDATE dbo.Customers SET TaxId = ''000''';
      EXEC msdb.dbo.sp_add_jobserver @job_name = N'sanitize-bad', @server_name = N'(local)';
      EXEC msdb.dbo.sp_start_job @job_name = N'sanitize-bad';`);
    const failed = await waitForJob(p, 'sanitize-bad');
    expect(failed.find((h) => h.step_id === 1)).toMatchObject({ run_status: 0, sql_message_id: 206, sql_severity: 16 });
    expect(failed.find((h) => h.step_id === 1)?.message).toMatch(/Operand type clash: varchar is incompatible with nvarchar\(100\) encrypted with .*\(Error 206\)/);
  });

  it('INSERT ... EXEC, a CTE before INSERT, DML in EXEC(), SET NOCOUNT ON; what stays refused', async () => {
    const p = await pool('sql-onprem', 'Shop');
    expect((await p.request().batch("INSERT INTO dbo.Staging (Code) EXEC ('SELECT 1 UNION ALL SELECT 2')")).rowsAffected).toEqual([2]);
    expect((await p.request().batch('WITH x AS (SELECT Id FROM dbo.Orders WHERE Id <= 3) INSERT INTO dbo.Staging (Code) SELECT Id FROM x')).rowsAffected).toEqual([3]);
    expect((await p.request().batch("EXEC ('DELETE TOP (1) FROM dbo.Staging'); EXEC sp_executesql N'DELETE TOP (@n) FROM dbo.Staging', N'@n int', @n = 2")).rowsAffected).toEqual([1, 2]);
    const quiet = await p.request().batch('SET NOCOUNT ON; DELETE TOP (1) FROM dbo.Staging; SELECT @@ROWCOUNT AS n; SET NOCOUNT OFF');
    expect(quiet.recordset).toEqual([{ n: 1 }]);
    expect(await rowsOf(p, 'dbo.Staging')).toEqual({ partitions: 11, counted: 11 });
    expect(await failure(p.request().batch('DECLARE @t TABLE (a int); UPDATE @t SET a = 1'))).toMatchObject({ number: 40517 });
    expect(await failure(p.request().batch('DELETE FROM @nope'))).toMatchObject({ number: 1087, message: 'Must declare the table variable "@nope".' });
    expect(await failure(p.request().batch('DELETE FROM msdb.dbo.sysjobhistory'))).toMatchObject({ number: 40517 });
    expect(await failure(p.request().batch('MERGE dbo.Staging AS t USING dbo.Orders AS s ON s.Id = t.Id WHEN MATCHED THEN DELETE;'))).toMatchObject({ number: 40517 });
    expect(await failure(p.request().batch('TRUNCATE TABLE sys.objects'))).toMatchObject({ number: 4708 });
  });

  it('BACKUP carries the changed row counts and RESTORE brings them back', async () => {
    let azurite: AzuriteInstance | undefined;
    try {
      azurite = await startAzurite();
      const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
      await service.getContainerClient('dml').createIfNotExists();
      const container = `${azurite.blobEndpoint}/dml`;
      const p = await openPool(estate.find('sql-onprem'), { requestTimeout: 0 });
      pools.push(p);
      await p.request().batch(`CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${azuriteAccountSas('rwdlc')}'`);
      await p.request().batch(`BACKUP DATABASE [Shop] TO URL = N'${container}/Shop.bak' WITH COPY_ONLY, FORMAT`);
      await p.request().batch(
        `RESTORE DATABASE [Shop_copy] FROM URL = N'${container}/Shop.bak'
         WITH MOVE N'Shop' TO N'/var/opt/mssql/data/Shop_copy.mdf', MOVE N'Shop_log' TO N'/var/opt/mssql/data/Shop_copy_log.ldf'`,
      );
      expect(await rowsOf(p, 'dbo.Orders', 'Shop_copy')).toEqual({ partitions: 1000, counted: 1000 });
      expect(await rowsOf(p, 'audit.Events', 'Shop_copy')).toEqual({ partitions: 0, counted: 0 });
      // sanitizing the copy leaves the source alone
      await p.request().batch('TRUNCATE TABLE Shop_copy.dbo.Orders');
      expect(await rowsOf(p, 'dbo.Orders', 'Shop_copy')).toEqual({ partitions: 0, counted: 0 });
      expect(await rowsOf(p, 'dbo.Orders', 'Shop')).toEqual({ partitions: 1000, counted: 1000 });
    } finally {
      await azurite?.stop();
    }
  });
});

describe('DML row counts and the state file', () => {
  it('a restart from the state file keeps the counts the DML left', async () => {
    const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'dml-state-')), 'estate.json');
    const first = await startEstate(estateFile(), { services: defaultServices(), stateFile });
    const p = await openPool(first.find('sql-onprem'), { database: 'Shop' });
    try {
      await p.request().batch("DELETE FROM dbo.Orders WHERE Id > 1200; INSERT INTO audit.Events (Kind) VALUES ('restart')");
    } finally {
      await p.close();
      await first.stop();
    }
    const second = await startEstate(estateFile(), { services: defaultServices(), stateFile });
    const q = await openPool(second.find('sql-onprem'), { database: 'Shop' });
    try {
      const r = await q.request().query<{ name: string; rows: string }>(
        "SELECT t.name, p.rows FROM sys.tables t JOIN sys.partitions p ON p.object_id = t.object_id WHERE t.name IN (N'Orders', N'Events') ORDER BY t.name",
      );
      expect(r.recordset).toEqual([
        { name: 'Events', rows: '51' },
        { name: 'Orders', rows: '1200' },
      ]);
    } finally {
      await q.close();
      await second.stop();
    }
  });
});

interface HistoryRow {
  step_id: number;
  run_status: number;
  sql_message_id: number;
  sql_severity: number;
  message: string;
}

async function waitForJob(p: sql.ConnectionPool, job: string): Promise<HistoryRow[]> {
  for (let i = 0; i < 400; i++) {
    const r = await p
      .request()
      .input('job', sql.NVarChar(128), job)
      .query<HistoryRow>(
        `SELECT h.step_id, h.run_status, h.sql_message_id, h.sql_severity, h.message
         FROM msdb.dbo.sysjobhistory h JOIN msdb.dbo.sysjobs j ON j.job_id = h.job_id WHERE j.name = @job ORDER BY h.instance_id`,
      );
    if (r.recordset.some((h) => h.step_id === 0)) return r.recordset;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${job} did not finish`);
}
