// Steps 5 and 6: run each file of the chain and watch it. On SQL Server a RESTORE runs as a
// one-time SQL Agent job, so it survives the function's connection; on a managed instance the
// RESTORE continues server-side by itself. Progress comes from the server's DMVs.
import { next, StepResult, wait } from '../../ops/types';
import { ensureJob, jobState, startJob } from '../../sql/agentJobs';
import { restoreOnManagedInstance, restoreOnSqlServer } from '../../sql/restoreStatements';
import { SqlFailure } from '../../sql/sqlErrors';
import { openRun, RestoreDeps, RestoreRun, type RestoreContext } from '../deps';
import { numbersInJobMessage, restoreFailure } from '../failures';
import type { RestoreState } from '../state';
import { failWith } from './abort';

/** Every server-side job of one restore operation starts with this (the cleanup finds them by it). */
export const jobPrefixFor = (operationId: string): string => `mi-autopilot restore ${operationId} `;
/** A job of the operation: `file 2`, `verify 1`, `checkdb`, `script 3`. */
export const jobNameFor = (operationId: string, what: string): string => `${jobPrefixFor(operationId)}${what}`;

async function restoreStatement(run: RestoreRun, index: number) {
  const { state } = run;
  const step = (await run.data.plan())[index];
  return restoreOnSqlServer({
    database: state.restoreAs ?? run.input.target.database,
    urls: step.urls,
    log: step.kind === 'log',
    moves: index === 0 ? await run.data.moves() : undefined,
    replace: index === 0 && state.replace === true,
    recovery: step.recovery,
    // verify every page as it is read, when the backup has checksums (WITH CHECKSUM on a backup
    // without them fails 3187)
    checksum: step.checksums === true,
    stats: 10,
  });
}

/** The blobs of this file of the plan are still the versions inspected; a replaced one is named. */
async function replacedBlob(run: RestoreRun, urls: readonly string[]): Promise<string | undefined> {
  const candidates = await run.data.candidates();
  for (const url of urls) {
    const path = run.container.pathOf(url);
    if (path === undefined) return url;
    const now = await run.container.eTagOf(path);
    const unquote = (eTag: string | undefined): string | undefined => eTag?.replace(/"/g, '');
    if (now === undefined || unquote(now) !== unquote(candidates[path])) return path;
  }
  return undefined;
}

export async function startRestore(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { state } = run;
  const index = state.chainIndex ?? 0;
  const startedRestoreAt = state.startedRestoreAt ?? ctx.now.toISOString();
  // the server reads the blob by name: before starting, make sure the name still holds the backup inspected
  const unchanged = async (): Promise<StepResult<RestoreState> | undefined> => {
    const replaced = await replacedBlob(run, (await run.data.plan())[index].urls);
    return replaced ? failWith(state, 'BACKUP_CHANGED', `${replaced} was replaced (or deleted) in container ${run.input.container} after it was inspected; nothing more was restored from it`) : undefined;
  };
  if (state.targetKind === 'sqlServer') {
    const jobName = jobNameFor(ctx.operation.id, `file ${index + 1}`);
    // looks before it acts: a re-run after a crash finds the job created or already running
    const current = await jobState(run.sql, jobName);
    if (current.state === 'missing') {
      const changed = await unchanged();
      if (changed) return changed;
      await ensureJob(run.sql, jobName, (await restoreStatement(run, index)).literal(), `mi-autopilot operation ${ctx.operation.id}: restore ${run.input.target.database}`);
    }
    if (current.state === 'missing' || current.state === 'created') await startJob(run.sql, jobName);
    return next('watch', { ...state, startedRestoreAt });
  }
  // managed instance: one full backup, no WITH options, the database appears under a GUID name
  // until it is done. A client timeout does not stop it (REFERENCE.md 5.4).
  const already = await miOperation(run, state);
  if (!already) {
    const changed = await unchanged();
    if (changed) return changed;
    try {
      await run.sql.query(restoreOnManagedInstance(state.restoreAs ?? run.input.target.database, (await run.data.plan())[0].urls), { timeoutMs: 10_000 });
    } catch (err) {
      const timedOut = err instanceof SqlFailure && (err.driverCode === 'ETIMEOUT' || err.driverCode === 'ECANCEL');
      if (!timedOut) {
        if (err instanceof SqlFailure && !err.isTransient) {
          const f = restoreFailure(err.numbers, err.message);
          return failWith(state, f.code, f.message);
        }
        throw err;
      }
    }
  }
  return next('watch', { ...state, startedRestoreAt });
}

interface MiOperationRow {
  state: number;
  percent_complete: number;
  error_code: number;
  error_desc: string | null;
}

export async function miOperation(run: RestoreRun, state: RestoreState): Promise<MiOperationRow | undefined> {
  const rows = await run.sql.query<MiOperationRow>({
    text:
      "SELECT TOP 1 state, percent_complete, error_code, error_desc FROM sys.dm_operation_status WHERE operation = 'RESTORE DATABASE' AND major_resource_id = @name ORDER BY start_time DESC",
    params: [{ name: 'name', type: 'nvarchar', value: state.restoreAs ?? run.input.target.database }],
  });
  return rows.recordsets[0]?.[0];
}

/** Publishes progress in whole tens, each once: at least every 10 percent, never backwards. */
export async function reportOverallProgress(ctx: RestoreContext, run: RestoreRun, state: RestoreState, overall: number): Promise<RestoreState> {
  const bucket = Math.floor(overall / 10) * 10;
  if (bucket > (state.reportedPercent ?? 0)) {
    await ctx.progress(bucket, `restoring ${run.input.target.database} on ${run.target.name}: ${bucket}%`);
    return { ...state, reportedPercent: bucket };
  }
  return state;
}

function reportProgress(ctx: RestoreContext, run: RestoreRun, filePercent: number): Promise<RestoreState> {
  const { state } = run;
  const files = state.planLength ?? 1;
  return reportOverallProgress(ctx, run, state, Math.floor((((state.chainIndex ?? 0) + filePercent / 100) / files) * 100));
}

export async function watch(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const index = run.state.chainIndex ?? 0;
  const files = run.state.planLength ?? 1;
  if (run.state.targetKind === 'managedInstance') {
    const op = await miOperation(run, run.state);
    if (!op || op.state <= 1) {
      const state = await reportProgress(ctx, run, op?.percent_complete ?? 0);
      return wait(deps.pollMs, `restoring ${run.input.target.database} on ${run.target.name}`, state);
    }
    if (op.state === 2) return next('verify', { ...run.state, finishedRestoreAt: ctx.now.toISOString() });
    const f = restoreFailure([op.error_code], op.error_desc ?? `the restore ended in state ${op.state}`);
    return failWith(run.state, f.code, f.message);
  }

  const jobName = jobNameFor(ctx.operation.id, `file ${index + 1}`);
  const job = await jobState(run.sql, jobName);
  if (job.state === 'running' || job.state === 'created') {
    const progress = await run.sql.query<{ percent_complete: number }>({
      text: "SELECT percent_complete FROM sys.dm_exec_requests WHERE command LIKE 'RESTORE%' AND database_id = DB_ID(@name)",
      params: [{ name: 'name', type: 'nvarchar', value: run.state.restoreAs ?? run.input.target.database }],
    });
    const percent = Number(progress.recordsets[0]?.[0]?.percent_complete ?? 0);
    const state = await reportProgress(ctx, run, percent);
    return wait(deps.pollMs, `restoring ${run.input.target.database} on ${run.target.name} (file ${index + 1} of ${files})`, state);
  }
  if (job.state === 'succeeded') {
    // the job stays until the restore ends: a re-run after a crash must find it done, not restore again
    const state = await reportProgress(ctx, run, 100);
    if (index + 1 < files) return next('startRestore', { ...state, chainIndex: index + 1 });
    return next('verify', { ...state, finishedRestoreAt: ctx.now.toISOString() });
  }
  if (job.state === 'missing') return failWith(run.state, 'RESTORE_FAILED', `the SQL Agent job ${jobName} disappeared while it ran`);
  const f = restoreFailure(numbersInJobMessage(job.message), job.message);
  return failWith(run.state, f.code, f.message);
}
