import type { EmulatedInstance } from '../../../../emulator/engine/instance';
import { connect, errors, firstRows, fixture, infos, run } from './fixtures';

async function jobFinished(inst: EmulatedInstance): Promise<void> {
  await Promise.all([...inst.agentRuns.values()].map((r) => r.done));
}

describe('SQL Agent jobs', () => {
  it('creates a job with steps and a server, runs it in its own session, and writes history', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    const setup = await run(
      s,
      `DECLARE @id uniqueidentifier;
       EXEC msdb.dbo.sp_add_job @job_name = N'nightly', @description = N'demo', @job_id = @id OUTPUT;
       EXEC msdb.dbo.sp_add_jobstep @job_name = N'nightly', @step_name = N'check', @subsystem = N'TSQL', @command = N'PRINT ''hello from the job''; DBCC CHECKDB(''Sales'') WITH NO_INFOMSGS', @database_name = N'Sales';
       EXEC msdb.dbo.sp_add_jobserver @job_name = N'nightly';
       SELECT @id AS id`,
    );
    expect(errors(setup)).toEqual([]);
    const jobId = firstRows(setup)[0].id;
    expect(jobId).toBe(f.sql.jobs[0].jobId);
    const start = await run(s, "EXEC msdb.dbo.sp_start_job @job_name = N'nightly'");
    expect(infos(start)).toEqual([expect.objectContaining({ number: 14243, message: "Job 'nightly' started successfully." })]);
    await jobFinished(f.sql);
    const history = firstRows(await run(s, "SELECT step_id, run_status, message FROM msdb.dbo.sysjobhistory"));
    expect(history).toEqual([
      { step_id: 1, run_status: 1, message: expect.stringContaining('hello from the job [SQLSTATE 01000] (Message 0)') },
      { step_id: 0, run_status: 1, message: expect.stringMatching(/^The job succeeded\.  The Job was invoked by User sa\.  The last step to run was step 1 \(check\)\.$/) },
    ]);
    expect(firstRows(await run(s, 'SELECT name, enabled, delete_level FROM msdb..sysjobs'))).toEqual([{ name: 'nightly', enabled: 1, delete_level: 0 }]);
    const activity = firstRows(await run(s, 'SELECT start_execution_date, stop_execution_date FROM msdb.dbo.sysjobactivity'));
    expect(activity[0].stop_execution_date).toBeInstanceOf(Date);
  });

  it('a failed step records the error number and severity', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    await run(
      s,
      `USE msdb;
       EXEC sp_add_job @job_name = N'failing';
       EXEC sp_add_jobstep @job_name = N'failing', @step_name = N'boom', @command = N'RAISERROR(''went wrong'', 16, 1)';
       EXEC sp_add_jobserver @job_name = N'failing', @server_name = N'(local)';
       EXEC sp_start_job N'failing'`,
    );
    await jobFinished(f.sql);
    const rows = firstRows(await run(s, 'SELECT step_id, run_status, sql_message_id, sql_severity, message FROM dbo.sysjobhistory'));
    expect(rows[0]).toMatchObject({ step_id: 1, run_status: 0, sql_message_id: 50000, sql_severity: 16 });
    expect(rows[0].message).toContain('went wrong [SQLSTATE 42000] (Error 50000)');
    expect(rows[0].message).toMatch(/The step failed\.$/);
    expect(rows[1]).toMatchObject({ step_id: 0, run_status: 0 });
  });

  it('a one-time job (delete_level 1) removes itself after success; its run survives the caller closing', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    await run(
      s,
      `EXEC msdb.dbo.sp_add_job @job_name = N'once', @delete_level = 1;
       EXEC msdb.dbo.sp_add_jobstep @job_name = N'once', @step_name = N'wait', @command = N'WAITFOR DELAY ''00:00:30''; CREATE DATABASE MadeByJob';
       EXEC msdb.dbo.sp_add_jobserver @job_name = N'once';
       EXEC msdb.dbo.sp_start_job @job_name = N'once'`,
    );
    const running = f.sql.jobs.find((j) => j.name === 'once');
    expect(running?.running).toBeDefined();
    const observer = await connect(f, f.sql);
    await new Promise((r) => setTimeout(r, 5));
    const requests = firstRows(await run(observer, "SELECT command FROM sys.dm_exec_requests WHERE command = 'WAITFOR'"));
    expect(requests).toEqual([{ command: 'WAITFOR' }]);
    s.close();
    await jobFinished(f.sql);
    expect(f.sql.findDatabase('MadeByJob')).toBeDefined();
    expect(f.sql.jobs.find((j) => j.name === 'once')).toBeUndefined();
  });

  it("Agent's errors: 14262 unknown job, 14261 duplicate name, 14256 no server, 2812 outside msdb", async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    expect(errors(await run(s, "EXEC msdb.dbo.sp_start_job @job_name = N'ghost'"))).toEqual([
      expect.objectContaining({ number: 14262, message: "The specified @job_name ('ghost') does not exist." }),
    ]);
    await run(s, "EXEC msdb.dbo.sp_add_job @job_name = N'dup'");
    expect(errors(await run(s, "EXEC msdb.dbo.sp_add_job @job_name = N'dup'"))[0].number).toBe(14261);
    expect(errors(await run(s, "EXEC msdb.dbo.sp_start_job @job_name = N'dup'"))[0].number).toBe(14256);
    expect(errors(await run(s, "EXEC sp_add_job @job_name = N'x'"))[0]).toMatchObject({ number: 2812, message: "Could not find stored procedure 'sp_add_job'." });
    expect(errors(await run(s, "EXEC msdb.dbo.sp_add_job @name = N'x'"))[0]).toMatchObject({ number: 8145 });
    await run(s, "EXEC msdb.dbo.sp_delete_job @job_name = N'dup'");
    expect(f.sql.jobs).toEqual([]);
  });

  it('sp_stop_job stops a running job (history says so); a job not running is refused with 22022', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    await run(
      s,
      `EXEC msdb.dbo.sp_add_job @job_name = N'long';
       EXEC msdb.dbo.sp_add_jobstep @job_name = N'long', @step_name = N'wait', @command = N'WAITFOR DELAY ''00:10:00''; CREATE DATABASE NeverMade';
       EXEC msdb.dbo.sp_add_jobserver @job_name = N'long';
       EXEC msdb.dbo.sp_start_job @job_name = N'long'`,
    );
    const stop = await run(s, "EXEC msdb.dbo.sp_stop_job @job_name = N'long'");
    expect(infos(stop)).toEqual([expect.objectContaining({ message: "Job 'long' stopped successfully." })]);
    expect(f.sql.agentRuns.size).toBe(0);
    expect(f.sql.findDatabase('NeverMade')).toBeUndefined();
    const outcome = firstRows(await run(s, 'SELECT run_status, message FROM msdb.dbo.sysjobhistory WHERE step_id = 0'));
    expect(outcome).toEqual([{ run_status: 3, message: expect.stringContaining('was stopped prior to completion by User sa') }]);
    expect(errors(await run(s, "EXEC msdb.dbo.sp_stop_job @job_name = N'long'"))).toEqual([
      expect.objectContaining({ number: 22022, message: 'SQLServerAgent Error: Request to stop job long (from User sa) refused because the job is not currently running.' }),
    ]);
  });

  it('RPC calls by name reach the same procedures and return OUTPUT parameters', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    const out: unknown[] = [];
    for await (const o of s.execute(
      {
        kind: 'rpc',
        procName: 'msdb.dbo.sp_add_job',
        params: [
          { name: '@job_name', type: 'nvarchar', value: 'by-rpc', output: false },
          { name: '@job_id', type: 'uniqueidentifier', value: null, output: true },
        ],
      },
      new AbortController().signal,
    ))
      out.push(o);
    expect(out).toContainEqual({ type: 'returnValue', name: '@job_id', paramType: 'uniqueidentifier', value: f.sql.jobs[0].jobId });
  });
});
