// DBCC CHECKDB over TDS with the real mssql client: it takes the time reading the data files takes at
// the instance's throughput (simulated), shows in sys.dm_exec_requests while it runs, stops on
// ATTENTION, request timeouts and KILL, runs on in an Agent job's session, and the
// checkdbFailAtPercent fault makes it fail with consistency errors.
import sql from 'mssql';
import { defaultServices } from '../../../../emulator/engine/defaultServices';
import type { Estate } from '../../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../../emulator/engine/estateServer';
import { openPool, PASSWORD } from './estateFixture';

const SPEED = 600;
/** Warehouse: 144 000 MB at 200 MB/s = 720 simulated seconds (1.2 s of real time at SPEED) */
const WAREHOUSE_MS = 720_000;
/** Small: 300 MB, the size of the sample estates' databases: 1.5 simulated seconds */
const SMALL_MS = 1_500;

function checkdbEstate(): Estate {
  return {
    clockSpeed: SPEED,
    instances: [
      {
        name: 'sql-checkdb',
        kind: 'sqlServer',
        majorVersion: 16,
        throughputMBps: 200,
        logins: [{ name: 'sa', password: PASSWORD }],
        databases: [
          { name: 'Warehouse', recoveryModel: 'SIMPLE', sizeMB: 144000, tables: [{ name: 'Facts', rows: 90000000 }] },
          { name: 'Small', sizeMB: 300, tables: [{ name: 'Orders', rows: 1000 }] },
        ],
      },
    ],
  };
}

interface RequestRow {
  session_id: number;
  command: string;
  database_id: number;
  status: string;
  percent_complete: number;
  /** bigint: tedious returns it as a string */
  estimated_completion_time: string;
}

/** polls `probe` until it returns a value, failing after `timeoutMs` of real time */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('DBCC CHECKDB through mssql', () => {
  let estate: RunningEstate;
  const pools: sql.ConnectionPool[] = [];
  const pool = async (overrides: Partial<sql.config> = {}): Promise<sql.ConnectionPool> => {
    const p = await openPool(estate.find('sql-checkdb'), { requestTimeout: 0, ...overrides });
    pools.push(p);
    return p;
  };
  /** a pool of one connection, so its @@SPID is the session that runs what it is sent */
  const connection = async (overrides: Partial<sql.config> = {}): Promise<{ p: sql.ConnectionPool; spid: number }> => {
    const p = await pool({ pool: { max: 1, min: 0 }, ...overrides });
    const r = await p.request().query<{ spid: number }>('SELECT @@SPID AS spid');
    return { p, spid: r.recordset[0].spid };
  };
  const simulatedNow = (): number => estate.clock.now().getTime();
  const checks = async (observer: sql.ConnectionPool): Promise<RequestRow[]> =>
    (
      await observer
        .request()
        .query<RequestRow>("SELECT session_id, command, database_id, status, percent_complete, estimated_completion_time FROM sys.dm_exec_requests WHERE command = 'DBCC TABLE CHECK'")
    ).recordset;
  const progressing = (observer: sql.ConnectionPool): Promise<RequestRow> =>
    until('the check to progress', async () => (await checks(observer)).find((r) => r.percent_complete > 0));
  const noCheckRunning = (observer: sql.ConnectionPool): Promise<true> =>
    until('the check to stop', async () => ((await checks(observer)).length === 0 ? true : undefined));

  beforeAll(async () => {
    estate = await startEstate(checkdbEstate(), { services: defaultServices() });
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    await estate?.stop();
  });

  it('checks a 12-minute database in 12 simulated minutes, percent_complete rising in sys.dm_exec_requests', async () => {
    const { p: checker, spid } = await connection();
    const observer = await pool();
    const dbId = (await observer.request().query<{ id: number }>("SELECT DB_ID('Warehouse') AS id")).recordset[0].id;
    const infos: { number: number; message: string }[] = [];
    const request = checker.request();
    request.on('info', (m: { number: number; message: string }) => infos.push(m));
    const started = simulatedNow();
    const running = request.batch('DBCC CHECKDB (Warehouse)');

    const samples: RequestRow[] = [];
    await until('percent_complete to rise', async () => {
      samples.push(...(await checks(observer)));
      const seen = new Set(samples.map((s) => s.percent_complete).filter((p) => p > 0));
      return seen.size >= 3 ? true : undefined;
    });
    const session = await observer.request().query<{ status: string; program_name: string }>(`SELECT status, program_name FROM sys.dm_exec_sessions WHERE session_id = ${spid}`);
    expect(session.recordset).toEqual([expect.objectContaining({ status: 'running' })]);
    expect(infos).toEqual([]);

    await running;
    const elapsed = simulatedNow() - started;
    // the check's own time, plus round trips and timer slack scaled up by the clock speed
    expect(elapsed).toBeGreaterThanOrEqual(WAREHOUSE_MS - 1000);
    expect(elapsed).toBeLessThan(WAREHOUSE_MS * 1.15);

    for (const s of samples) {
      expect(s).toMatchObject({ session_id: spid, command: 'DBCC TABLE CHECK', database_id: dbId, status: 'running' });
      expect(Number(s.estimated_completion_time)).toBe(Math.round((WAREHOUSE_MS / 100) * (100 - s.percent_complete)));
    }
    const percents = samples.map((s) => s.percent_complete);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents[percents.length - 1]).toBeLessThan(100);
    // the messages arrive at the end, as they did before the check took time
    expect(infos.map((m) => m.number)).toEqual(expect.arrayContaining([8989, 2528]));
    expect(infos.find((m) => m.number === 8989)?.message).toBe("CHECKDB found 0 allocation errors and 0 consistency errors in database 'Warehouse'.");
    expect(await checks(observer)).toEqual([]);
  });

  it('a small database still finishes at once', async () => {
    const p = await pool();
    const startedReal = Date.now();
    const started = simulatedNow();
    await p.request().batch('DBCC CHECKDB (Small) WITH NO_INFOMSGS');
    expect(simulatedNow() - started).toBeGreaterThanOrEqual(SMALL_MS - 1000);
    expect(Date.now() - startedReal).toBeLessThan(1000);
  });

  it('a cancel (ATTENTION) or a request timeout stops it and leaves the connection usable', async () => {
    const { p } = await connection();
    const observer = await pool();
    const request = p.request();
    const running = request.batch('DBCC CHECKDB (Warehouse) WITH NO_INFOMSGS');
    await progressing(observer);
    request.cancel();
    await expect(running).rejects.toMatchObject({ code: 'ECANCEL' });
    await noCheckRunning(observer);
    expect((await p.request().query<{ one: number }>('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);

    const impatient = await pool({ requestTimeout: 300 });
    await expect(impatient.request().batch('DBCC CHECKDB (Warehouse) WITH NO_INFOMSGS')).rejects.toMatchObject({ code: 'ETIMEOUT' });
    await noCheckRunning(observer);
  });

  it('KILL of the checking session stops it', async () => {
    const { p, spid } = await connection();
    const observer = await pool();
    const running = p
      .request()
      .batch('DBCC CHECKDB (Warehouse) WITH NO_INFOMSGS')
      .catch((e: unknown) => e);
    expect((await progressing(observer)).session_id).toBe(spid);
    await observer.request().batch(`KILL ${spid}`);
    expect(await running).toBeInstanceOf(Error);
    await noCheckRunning(observer);
  });

  const addJob = async (p: sql.ConnectionPool, name: string): Promise<void> => {
    await p.request().batch(`
      EXEC msdb.dbo.sp_add_job @job_name = N'${name}';
      EXEC msdb.dbo.sp_add_jobstep @job_name = N'${name}', @step_name = N'check', @subsystem = N'TSQL', @command = N'DBCC CHECKDB (Warehouse) WITH NO_INFOMSGS', @database_name = N'master';
      EXEC msdb.dbo.sp_add_jobserver @job_name = N'${name}';
      EXEC msdb.dbo.sp_start_job @job_name = N'${name}';`);
  };
  const jobHistory = async (p: sql.ConnectionPool, name: string): Promise<{ step_id: number; run_status: number; message: string }[]> =>
    (
      await p
        .request()
        .input('name', sql.NVarChar(128), name)
        .query<{ step_id: number; run_status: number; message: string }>(
          'SELECT h.step_id, h.run_status, h.message FROM msdb.dbo.sysjobhistory h JOIN msdb.dbo.sysjobs j ON j.job_id = h.job_id WHERE j.name = @name ORDER BY h.instance_id',
        )
    ).recordset;

  it("run by an Agent job it runs in the job's session, outlives the starting connection, and the history records success", async () => {
    const observer = await pool();
    const starter = await openPool(estate.find('sql-checkdb'));
    await addJob(starter, 'nightly checkdb');
    await starter.close();

    const row = await progressing(observer);
    const owner = await observer.request().query<{ program_name: string }>(`SELECT program_name FROM sys.dm_exec_sessions WHERE session_id = ${row.session_id}`);
    expect(owner.recordset[0].program_name).toMatch(/^SQLAgent - TSQL JobStep \(Job 0x[0-9A-F]{32} : Step 1\)$/);
    const history = await until('the job to finish', async () => {
      const h = await jobHistory(observer, 'nightly checkdb');
      return h.some((x) => x.step_id === 0) ? h : undefined;
    });
    expect(history).toEqual([
      { step_id: 1, run_status: 1, message: expect.stringMatching(/The step succeeded\.$/) },
      { step_id: 0, run_status: 1, message: expect.stringMatching(/^The job succeeded\./) },
    ]);
    await noCheckRunning(observer);
  });

  it('sp_stop_job stops a CHECKDB job and the history says so', async () => {
    const observer = await pool();
    await addJob(observer, 'stopped checkdb');
    await progressing(observer);
    await observer.request().batch("EXEC msdb.dbo.sp_stop_job @job_name = N'stopped checkdb'");
    await noCheckRunning(observer);
    const history = await jobHistory(observer, 'stopped checkdb');
    expect(history).toEqual([
      { step_id: 1, run_status: 3, message: expect.stringContaining('The job was stopped prior to completion.') },
      { step_id: 0, run_status: 3, message: expect.stringContaining('was stopped prior to completion by User sa') },
    ]);
  });

  it('checkdbFailAtPercent (admin API) makes it fail at that percent with consistency errors, class 16', async () => {
    const admin = (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${estate.adminUrl}/instances/sql-checkdb${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await admin('POST', '/faults', { kind: 'checkdbFailAtPercent', percent: 25 })).status).toBe(201);
    const p = await pool();
    const infos: { number: number; message: string }[] = [];
    const request = p.request();
    request.on('info', (m: { number: number; message: string }) => infos.push(m));
    const started = simulatedNow();
    const failure = (await request.batch('DBCC CHECKDB (Warehouse) WITH NO_INFOMSGS').catch((e: unknown) => e)) as {
      number: number;
      class: number;
      message: string;
      precedingErrors: { number: number; class: number; message: string }[];
    };
    const elapsed = simulatedNow() - started;
    expect(elapsed).toBeGreaterThanOrEqual(WAREHOUSE_MS / 4 - 1000);
    expect(elapsed).toBeLessThan(WAREHOUSE_MS / 2);
    expect(failure).toMatchObject({ number: 8928, class: 16, message: expect.stringContaining('could not be processed.  See other errors for details.') });
    expect(failure.precedingErrors).toEqual([expect.objectContaining({ number: 8939, class: 16, message: expect.stringMatching(/^Table error: Object ID \d+, index ID 1, /) })]);
    expect(infos.map((m) => [m.number, m.message])).toEqual([
      [8990, expect.stringMatching(/^CHECKDB found 0 allocation errors and 2 consistency errors in table 'Facts' \(object ID \d+\)\.$/)],
      [8989, "CHECKDB found 0 allocation errors and 2 consistency errors in database 'Warehouse'."],
      [8958, 'repair_allow_data_loss is the minimum repair level for the errors found by DBCC CHECKDB (Warehouse).'],
    ]);
    expect((await admin('DELETE', '/faults/checkdbFailAtPercent')).status).toBe(200);
    await p.request().batch('DBCC CHECKDB (Small) WITH NO_INFOMSGS');
  });
});
