// One-time SQL Agent jobs: how a long RESTORE runs server-side on SQL Server, so that it does
// not depend on the function's connection staying open (REFERENCE.md 9.3). Every call is
// idempotent: creating an existing job or asking about a finished one is safe after a crash.
import { Statement, str } from './statement';
import type { SqlClient } from './pools';
import { SqlFailure } from './sqlErrors';

export type JobState =
  | { state: 'missing' }
  | { state: 'created' }
  | { state: 'running' }
  | { state: 'succeeded'; message: string }
  | { state: 'failed'; message: string; sqlMessageId: number };


export async function ensureJob(client: SqlClient, jobName: string, command: string, description: string, database = 'master'): Promise<void> {
  await client.query(
    Statement.build([
      'IF NOT EXISTS (SELECT 1 FROM msdb.dbo.sysjobs WHERE name = ', str('job', jobName), ')\nBEGIN\n',
      '  EXEC msdb.dbo.sp_add_job @job_name = ', str('job', jobName), ', @description = ', str('description', description), ', @delete_level = 0;\n',
      '  EXEC msdb.dbo.sp_add_jobstep @job_name = ', str('job', jobName), ", @step_name = N'run', @subsystem = N'TSQL', @database_name = ", str('database', database), ', @command = ',
      str('command', command), ';\n',
      '  EXEC msdb.dbo.sp_add_jobserver @job_name = ', str('job', jobName), ", @server_name = N'(local)';\n",
      'END',
    ]),
  );
}

export async function startJob(client: SqlClient, jobName: string): Promise<void> {
  await client.query(Statement.build(['EXEC msdb.dbo.sp_start_job @job_name = ', str('job', jobName)]));
}

export async function jobState(client: SqlClient, jobName: string): Promise<JobState> {
  // sysjobactivity keeps a row per Agent session: only the current session's says what runs now
  const result = await client.query<{ job_id: string; step_id: number | null; run_status: number | null; message: string | null; sql_message_id: number | null; started: Date | null; stopped: Date | null; current: number | null }>(
    Statement.build([
      'SELECT j.job_id, h.step_id, h.run_status, h.message, h.sql_message_id, a.start_execution_date AS started, a.stop_execution_date AS stopped,\n',
      '  CASE WHEN a.session_id = (SELECT MAX(session_id) FROM msdb.dbo.syssessions) THEN 1 ELSE 0 END AS [current]\n',
      'FROM msdb.dbo.sysjobs j\n',
      'LEFT JOIN msdb.dbo.sysjobactivity a ON a.job_id = j.job_id\n',
      'LEFT JOIN msdb.dbo.sysjobhistory h ON h.job_id = j.job_id\n',
      'WHERE j.name = ', str('job', jobName), '\nORDER BY h.instance_id',
    ]),
  );
  const rows = result.recordsets[0] ?? [];
  if (rows.length === 0) return { state: 'missing' };
  const outcome = rows.find((r) => r.step_id === 0);
  const stepRows = rows.filter((r) => r.step_id !== null && r.step_id > 0);
  if (outcome) {
    const detail = stepRows.map((r) => r.message ?? '').join(' ') || (outcome.message ?? '');
    if (outcome.run_status === 1) return { state: 'succeeded', message: detail };
    const failedStep = stepRows.find((r) => r.run_status === 0);
    return { state: 'failed', message: detail, sqlMessageId: failedStep?.sql_message_id ?? outcome.sql_message_id ?? 0 };
  }
  if (rows.some((r) => r.started && !r.stopped && r.current === 1)) return { state: 'running' };
  // started in an earlier Agent session and never finished: the instance (or Agent) restarted under it
  if (rows.some((r) => r.started && !r.stopped)) {
    return { state: 'failed', message: 'the job was running when SQL Server Agent (or the instance) restarted, and never finished (Error 3204)', sqlMessageId: 3204 };
  }
  return rows.some((r) => r.started) ? { state: 'running' } : { state: 'created' };
}

/** Stops the job if it runs (true when it did); a job that finished meanwhile (22022) is fine. */
export async function stopJob(client: SqlClient, jobName: string): Promise<boolean> {
  if ((await jobState(client, jobName)).state !== 'running') return false;
  try {
    await client.query(Statement.build(['EXEC msdb.dbo.sp_stop_job @job_name = ', str('job', jobName)]));
    return true;
  } catch (err) {
    if (!(err instanceof SqlFailure && err.numbers.includes(22022))) throw err;
    return false;
  }
}

/** The names of the jobs whose names start with `prefix` (an operation's jobs share one). */
export async function jobsStartingWith(client: SqlClient, prefix: string): Promise<string[]> {
  const r = await client.query<{ name: string }>({
    text: 'SELECT name FROM msdb.dbo.sysjobs WHERE LEFT(name, @length) = @prefix ORDER BY name',
    params: [
      { name: 'length', type: 'int', value: prefix.length },
      { name: 'prefix', type: 'nvarchar', value: prefix },
    ],
  });
  return (r.recordsets[0] ?? []).map((row) => row.name);
}

export type ServerJob = { state: 'running' } | { state: 'succeeded'; message: string } | { state: 'failed'; message: string; sqlMessageId: number };

/**
 * Long server-side work (VERIFYONLY, CHECKDB, a script, a RESTORE) as a one-time SQL Agent job: it
 * runs on the server whatever happens to the function, and a step polls it. Idempotent: a re-run
 * finds the job created, running or finished. A finished job is deleted once its outcome is read.
 */
export async function serverJob(client: SqlClient, jobName: string, command: string, description: string, database = 'master'): Promise<ServerJob> {
  const current = await jobState(client, jobName);
  if (current.state === 'missing') await ensureJob(client, jobName, command, description, database);
  if (current.state === 'missing' || current.state === 'created') {
    await startJob(client, jobName);
    return { state: 'running' };
  }
  if (current.state === 'running') return current;
  await deleteJob(client, jobName);
  return current;
}

export async function deleteJob(client: SqlClient, jobName: string): Promise<void> {
  await client.query(
    Statement.build(['IF EXISTS (SELECT 1 FROM msdb.dbo.sysjobs WHERE name = ', str('job', jobName), ') EXEC msdb.dbo.sp_delete_job @job_name = ', str('job', jobName)]),
  );
}
