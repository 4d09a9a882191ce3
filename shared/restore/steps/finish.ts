// Steps 7-10: check the restored database, compare it with its source, put it in place, run the
// rule's scripts, and report.
import { next, StepResult, succeed, wait } from '../../ops/types';
import { deleteJob, jobsStartingWith, serverJob } from '../../sql/agentJobs';
import type { SqlClient } from '../../sql/pools';
import { quoteName } from '../../sql/quote';
import { rowCounts } from '../../sql/rowCounts';
import { databasesStartingWith, databaseState } from '../../sql/databases';
import { openRun, planKeys, RestoreDeps, targetKeyOf, type RestoreContext, type RestoreRun, type TableValidation } from '../deps';
import { restoredBackup, type RestoreState } from '../state';
import { failWith } from './abort';
import { jobNameFor, jobPrefixFor } from './execute';

/** What a running server-side request of this kind on this database says of its progress. */
export async function requestPercent(run: RestoreRun, commandLike: string, database: string): Promise<number> {
  const r = await run.sql.query<{ percent_complete: number }>({
    text: 'SELECT percent_complete FROM sys.dm_exec_requests WHERE command LIKE @command AND database_id = DB_ID(@name)',
    params: [
      { name: 'command', type: 'nvarchar', value: commandLike },
      { name: 'name', type: 'nvarchar', value: database },
    ],
  });
  return Math.floor(Number(r.recordsets[0]?.[0]?.percent_complete ?? 0));
}

/** The restored copy is ONLINE, and DBCC CHECKDB (a server-side job: it reads the whole database) is clean. */
export async function verify(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const name = run.state.restoreAs ?? run.input.target.database;
  const stateDesc = await databaseState(run.sql, name);
  if (stateDesc !== 'ONLINE') return failWith(run.state, 'NOT_ONLINE', `the restored database ${name} is ${stateDesc ?? 'missing'}, not ONLINE`);
  // the server's own record of what it restored last into this name must be the backup set planned
  const planned = (await run.data.plan()).at(-1);
  if (planned?.backupSetGuid) {
    const history = await run.sql.query<{ guid: string | null }>({
      text:
        'SELECT TOP 1 CAST(bs.backup_set_uuid AS nvarchar(36)) AS guid FROM msdb.dbo.restorehistory rh JOIN msdb.dbo.backupset bs ON bs.backup_set_id = rh.backup_set_id ' +
        'WHERE rh.destination_database_name = @name ORDER BY rh.restore_history_id DESC',
      params: [{ name: 'name', type: 'nvarchar', value: name }],
    });
    const restored = history.recordsets[0]?.[0]?.guid?.toLowerCase();
    if (restored && restored !== planned.backupSetGuid.toLowerCase()) {
      return failWith(
        run.state,
        'RESTORED_BACKUP_MISMATCH',
        `msdb on ${run.target.name} says ${name} was last restored from backup set ${restored}, but this restore planned ${planned.backupSetGuid} (${planned.kind}, LSN ${planned.firstLsn}–${planned.lastLsn}); the copy is not trusted`,
      );
    }
  }
  if (run.input.verify === 'checkdb') {
    const job = await serverJob(
      run.sql,
      jobNameFor(ctx.operation.id, 'checkdb'),
      `DBCC CHECKDB (${quoteName(name)}) WITH NO_INFOMSGS`,
      `mi-autopilot operation ${ctx.operation.id}: DBCC CHECKDB of ${name}`,
    );
    if (job.state === 'running') {
      const percent = await requestPercent(run, 'DBCC%', name);
      return wait(deps.pollMs, `DBCC CHECKDB of ${name} on ${run.target.name} (${percent}% checked)`, run.state);
    }
    if (job.state === 'failed') return failWith(run.state, 'CHECKDB_FAILED', `DBCC CHECKDB found problems in the restored copy ${name}: ${job.message}`);
  }
  return next('validate', run.state);
}

/** Row counts per table of the copy, against the source database when the estate knows it. */
export async function validate(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { state, input } = run;
  if (!input.validateRowCounts) return next('swap', state);
  const copy = await rowCounts(run.sql, state.restoreAs ?? input.target.database);
  const sourceInstance = run.estate.instances.find((i) => i.name.toLowerCase() === (input.captures.server ?? state.sourceServer ?? '').toLowerCase());
  let source: Map<string, number> | undefined;
  if (sourceInstance && state.sourceDatabase && sourceInstance.name !== run.target.name) {
    source = await rowCounts(deps.sqlClient(sourceInstance), state.sourceDatabase).catch(() => undefined);
  }
  const tables: TableValidation[] = [...copy].map(([table, rows]) => ({ table, rows, sourceRows: source?.get(table) }));
  for (const [table, rows] of source ?? []) if (!copy.has(table)) tables.push({ table, rows: -1, sourceRows: rows });
  const differences = validationDifferences(tables, source !== undefined);
  await run.data.setValidation(tables);
  return next('swap', {
    ...state,
    // per table in the JSON store: a database with thousands of tables must not overflow the record
    validation: { tables: copy.size, differences: differences.length, comparedWith: source && sourceInstance ? `${sourceInstance.name}/${state.sourceDatabase}` : undefined },
  });
}

const MAX_DIFFERENCES_SHOWN = 20;

/** The differences a DBA reads, from the per-table counts (rows -1: the table is not in the copy). */
export function validationDifferences(tables: readonly TableValidation[], compared: boolean): string[] {
  if (!compared) return [];
  const out: string[] = [];
  for (const t of tables) {
    if (t.rows < 0) out.push(`${t.table} is missing in the copy`);
    else if (t.sourceRows === undefined) out.push(`${t.table} exists only in the copy`);
    else if (t.sourceRows !== t.rows) out.push(`${t.table}: ${t.sourceRows} rows in the source now, ${t.rows} in the copy (the source may have changed since the backup)`);
  }
  return out;
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

const exists = async (client: SqlClient, name: string): Promise<boolean> => (await databaseState(client, name)) !== undefined;

/** Puts the restored copy under the target's name: the old copy renamed (swap) or dropped (replace on a managed instance). */
export async function swap(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { state, input } = run;
  const targetName = input.target.database;
  const restoreAs = state.restoreAs ?? targetName;
  if (restoreAs.toLowerCase() === targetName.toLowerCase()) return next('scripts', state);
  let oldCopy = state.oldCopy;
  const sql = run.sql;
  if (await exists(sql, restoreAs)) {
    if (await exists(sql, targetName)) {
      if (input.onExisting === 'replace') {
        await sql.batch(`DROP DATABASE ${quoteName(targetName)}`, { timeoutMs: 120_000 });
      } else {
        oldCopy ??= `${targetName.slice(0, 110)}_old_${timestamp(ctx.now)}`;
        const single = run.target.kind === 'sqlServer' ? `ALTER DATABASE ${quoteName(targetName)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\n` : '';
        const multi = run.target.kind === 'sqlServer' ? `;\nALTER DATABASE ${quoteName(oldCopy)} SET MULTI_USER` : '';
        await sql.batch(`${single}ALTER DATABASE ${quoteName(targetName)} MODIFY NAME = ${quoteName(oldCopy)}${multi}`, { timeoutMs: 120_000 });
      }
    }
    await sql.batch(`ALTER DATABASE ${quoteName(restoreAs)} MODIFY NAME = ${quoteName(targetName)}`, { timeoutMs: 120_000 });
  }
  // retention: keep the newest keepPreviousCopies old copies
  const prefix = `${targetName.slice(0, 110)}_old_`;
  const dropped: string[] = [...(state.droppedCopies ?? [])];
  for (const name of (await databasesStartingWith(sql, prefix)).slice(input.keepPreviousCopies)) {
    await sql.batch(`DROP DATABASE ${quoteName(name)}`, { timeoutMs: 120_000 });
    dropped.push(name);
  }
  return next('scripts', { ...state, oldCopy, droppedCopies: dropped, restoreAs: targetName });
}

/** The rule's post-restore scripts, in the restored database, in order, each a server-side job; a re-run skips those done. */
export async function scripts(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { state, input } = run;
  let done = state.scriptsDone ?? 0;
  for (; done < input.postRestoreScripts.length; done++) {
    const job = await serverJob(
      run.sql,
      jobNameFor(ctx.operation.id, `script ${done + 1}`),
      input.postRestoreScripts[done],
      `mi-autopilot operation ${ctx.operation.id}: post-restore script ${done + 1} in ${input.target.database}`,
      input.target.database,
    );
    if (job.state === 'running') {
      return wait(deps.pollMs, `post-restore script ${done + 1} of ${input.postRestoreScripts.length} running in ${input.target.database} on ${run.target.name}`, { ...state, scriptsDone: done });
    }
    if (job.state === 'failed') {
      return failWith({ ...state, scriptsDone: done }, 'POST_RESTORE_SCRIPT_FAILED', `post-restore script ${done + 1} failed; the restored database is in place: ${job.message}`);
    }
  }
  // the finished jobs stayed so that a re-run could read their outcome; now they go
  for (const job of await jobsStartingWith(run.sql, jobPrefixFor(ctx.operation.id))) await deleteJob(run.sql, job);
  // later events for these blob versions say truthfully that they were restored
  await deps.claims.markRestored(targetKeyOf(input), (await planKeys(run)).flat(), ctx.operation.id);
  await deps.claims.forgetPlan(targetKeyOf(input), ctx.operation.id);
  const plan = await run.data.plan();
  const pathOf = (url: string): string => run.container.pathOf(url) ?? url;
  const started = state.startedRestoreAt ? new Date(state.startedRestoreAt).getTime() : ctx.now.getTime();
  const validation = await run.data.validation();
  const differences = validationDifferences(validation, state.validation?.comparedWith !== undefined);
  return succeed({
    instance: input.target.instance,
    database: input.target.database,
    source: state.sourceServer && state.sourceDatabase ? `${state.sourceServer}/${state.sourceDatabase}` : undefined,
    // exactly what was restored: the backup that arrived, and for a chain every set of it
    backup: restoredBackup(plan[plan.length - 1], pathOf),
    chain: plan.length > 1 ? plan.map((step) => restoredBackup(step, pathOf)) : undefined,
    files: plan.map((s) => ({ kind: s.kind, stripes: s.urls.length, first: s.urls[0] })),
    restoreSeconds: state.finishedRestoreAt ? Math.round((new Date(state.finishedRestoreAt).getTime() - started) / 1000) : undefined,
    previousCopy: state.oldCopy,
    droppedCopies: state.droppedCopies ?? [],
    validation: state.validation && {
      tables: state.validation.tables,
      comparedWith: state.validation.comparedWith,
      // the first few; every table's counts are in the operation's validation document
      differences: differences.slice(0, MAX_DIFFERENCES_SHOWN),
      moreDifferences: Math.max(0, differences.length - MAX_DIFFERENCES_SHOWN),
    },
    scriptsRun: input.postRestoreScripts.length,
  });
}
