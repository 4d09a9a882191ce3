// The engine behind the real TDS server, driven by the real mssql client over TCP on loopback.
import sql from 'mssql';
import type { RunningEstate } from '../../../../emulator/engine/estateServer';
import { openPool, poolConfig, startTestEstate } from './estateFixture';

describe('emulated instances through mssql', () => {
  let estate: RunningEstate;
  const pools: sql.ConnectionPool[] = [];
  const pool = async (name: string, overrides: Partial<sql.config> = {}): Promise<sql.ConnectionPool> => {
    const p = await openPool(estate.find(name), overrides);
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    estate = await startTestEstate();
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    await estate?.stop();
  });

  it('logs in and answers SELECT @@VERSION on SQL Server 2022 and on a managed instance', async () => {
    const sqlServer = await pool('sql-onprem');
    const v = await sqlServer.request().query<{ v: string }>('SELECT @@VERSION AS v');
    expect(v.recordset[0].v).toMatch(/^Microsoft SQL Server 2022 \(RTM-CU\d+\)/);
    const mi = await pool('mi-prod');
    const mv = await mi.request().query<{ v: string; ee: number }>("SELECT @@VERSION AS v, CAST(SERVERPROPERTY('EngineEdition') AS int) AS ee");
    expect(mv.recordset[0]).toMatchObject({ ee: 8 });
    expect(mv.recordset[0].v).toMatch(/^Microsoft SQL Azure/);
  });

  it('refuses a wrong password with 18456', async () => {
    const cfg = poolConfig(estate.find('sql-onprem'), { password: 'wrong' });
    await expect(new sql.ConnectionPool(cfg).connect()).rejects.toMatchObject({ code: 'ELOGIN', message: "Login failed for user 'sa'." });
  });

  it('queries sys.databases with typed inputs, WHERE, JOIN and ORDER BY', async () => {
    const p = await pool('sql-onprem');
    const r = await p
      .request()
      .input('min', sql.Int, 4)
      .input('model', sql.NVarChar(60), 'FULL')
      .query<{ name: string; database_id: number; files: number }>(
        `SELECT d.name, d.database_id, COUNT(*) AS files
         FROM sys.databases d JOIN sys.master_files f ON f.database_id = d.database_id
         WHERE d.database_id > @min AND d.recovery_model_desc = @model
         GROUP BY d.name, d.database_id ORDER BY d.database_id`,
      );
    expect(r.recordset).toEqual([{ name: 'Sales', database_id: 5, files: 2 }]);
  });

  it('runs batches with variables, PRINT as info and errors with their real numbers', async () => {
    const p = await pool('sql-onprem');
    const infos: string[] = [];
    const request = p.request();
    request.on('info', (m: { message: string }) => infos.push(m.message));
    const r = await request.batch("DECLARE @n int = 40; SET @n += 2; PRINT 'n is ' + CAST(@n AS varchar(10)); SELECT @n AS n");
    expect(r.recordset).toEqual([{ n: 42 }]);
    expect(infos).toEqual(['n is 42']);
    await expect(p.request().batch('DROP DATABASE Nope')).rejects.toMatchObject({ number: 3701, class: 11 });
    await expect(p.request().query('SELECT * FROM dbo.Missing')).rejects.toMatchObject({ number: 208 });
  });

  it('transactions: mssql Transaction objects and T-SQL BEGIN / COMMIT agree on @@TRANCOUNT', async () => {
    const p = await pool('sql-onprem');
    const tx = new sql.Transaction(p);
    await tx.begin();
    const inside = await new sql.Request(tx).query<{ t: number }>('SELECT @@TRANCOUNT AS t');
    expect(inside.recordset).toEqual([{ t: 1 }]);
    await tx.rollback();
    const conn = await p.request().batch<{ t: number }>('BEGIN TRAN; SELECT @@TRANCOUNT AS t; COMMIT');
    expect(conn.recordset).toEqual([{ t: 1 }]);
    await expect(p.request().batch('COMMIT')).rejects.toMatchObject({ number: 3902 });
  });

  it('a cancelled request (ATTENTION) stops a WAITFOR and leaves the connection usable', async () => {
    const p = await pool('sql-onprem');
    const request = p.request();
    const waiting = request.batch("WAITFOR DELAY '01:00:00'; SELECT 1 AS never");
    setTimeout(() => request.cancel(), 100);
    await expect(waiting).rejects.toMatchObject({ code: 'ECANCEL' });
    const after = await p.request().query<{ one: number }>('SELECT 1 AS one');
    expect(after.recordset).toEqual([{ one: 1 }]);
  });

  it('calls system procedures by name (request.execute) with OUTPUT parameters', async () => {
    const p = await pool('sql-onprem');
    const r = await p.request().input('job_name', sql.NVarChar(128), 'by-rpc').output('job_id', sql.UniqueIdentifier).execute('msdb.dbo.sp_add_job');
    expect(r.output.job_id).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    await expect(p.request().input('job_name', sql.NVarChar(128), 'by-rpc').execute('msdb.dbo.sp_add_job')).rejects.toMatchObject({ number: 14261 });
    await expect(p.request().execute('dbo.sp_nothing_here')).rejects.toMatchObject({ number: 2812, message: "Could not find stored procedure 'dbo.sp_nothing_here'." });
    await p.request().input('job_name', sql.NVarChar(128), 'by-rpc').execute('msdb.dbo.sp_delete_job');
  });

  it('creates, starts and reads the history of an Agent job', async () => {
    const p = await pool('sql-onprem');
    const created = await p
      .request()
      .input('name', sql.NVarChar(128), 'integration-job')
      .output('id', sql.UniqueIdentifier)
      .query(`EXEC msdb.dbo.sp_add_job @job_name = @name, @job_id = @id OUTPUT;
              EXEC msdb.dbo.sp_add_jobstep @job_name = @name, @step_name = N'make', @command = N'CREATE DATABASE FromAgent', @database_name = N'master';
              EXEC msdb.dbo.sp_add_jobserver @job_name = @name;
              EXEC msdb.dbo.sp_start_job @job_name = @name;`);
    expect(created.output.id).toMatch(/^[0-9A-F-]{36}$/);
    let history: { step_id: number; run_status: number }[] = [];
    for (let i = 0; i < 100 && history.length < 2; i++) {
      history = (await p.request().query<{ step_id: number; run_status: number }>('SELECT h.step_id, h.run_status FROM msdb.dbo.sysjobhistory h JOIN msdb.dbo.sysjobs j ON j.job_id = h.job_id ORDER BY h.instance_id')).recordset;
      if (history.length < 2) await new Promise((r) => setTimeout(r, 20));
    }
    expect(history).toEqual([
      { step_id: 1, run_status: 1 },
      { step_id: 0, run_status: 1 },
    ]);
    const db = await p.request().query<{ n: number }>("SELECT COUNT(*) AS n FROM sys.databases WHERE name = 'FromAgent'");
    expect(db.recordset[0].n).toBe(1);
  });
});
