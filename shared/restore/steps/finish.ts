// Steps 7-10: check the restored database, compare it with its source, put it in place, run the
// rule's scripts, and report.
import { next, StepResult, succeed, type StepContext } from '../../ops/types';
import type { SqlClient } from '../../sql/pools';
import { quoteName } from '../../sql/quote';
import { databasesStartingWith, databaseState } from '../../sql/databases';
import { SqlFailure } from '../../sql/sqlErrors';
import { openRun, RestoreDeps } from '../deps';
import { abortWith } from './abort';

export async function verify(deps: RestoreDeps, ctx: StepContext): Promise<StepResult> {
  const run = await openRun(deps, ctx);
  const name = run.state.restoreAs ?? run.input.target.database;
  const stateDesc = await databaseState(run.sql, name);
  if (stateDesc !== 'ONLINE') return abortWith(run.state, 'NOT_ONLINE', `the restored database ${name} is ${stateDesc ?? 'missing'}, not ONLINE`);
  if (run.input.verify === 'checkdb') {
    try {
      await run.sql.batch(`DBCC CHECKDB (${quoteName(name)}) WITH NO_INFOMSGS`, { timeoutMs: 0 });
    } catch (err) {
      if (err instanceof SqlFailure && !err.isTransient) return abortWith(run.state, 'CHECKDB_FAILED', `DBCC CHECKDB found problems in the restored copy: ${err.message}`);
      throw err;
    }
  }
  return next('validate', run.state);
}

async function rowCounts(client: SqlClient, database: string): Promise<Map<string, number>> {
  const result = await client.batch<{ table_name: string; row_count: number }>(
    `USE ${quoteName(database)};\n` +
      'SELECT s.name + N\'.\' + t.name AS table_name, SUM(p.rows) AS row_count FROM sys.tables t ' +
      'JOIN sys.schemas s ON s.schema_id = t.schema_id JOIN sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1) ' +
      'GROUP BY s.name, t.name ORDER BY table_name',
  );
  return new Map((result.recordsets[0] ?? []).map((r) => [r.table_name, Number(r.row_count)]));
}

/** Row counts per table of the copy, against the source database when the estate knows it. */
export async function validate(deps: RestoreDeps, ctx: StepContext): Promise<StepResult> {
  const run = await openRun(deps, ctx);
  const { state, input } = run;
  if (!input.validateRowCounts) return next('swap', state);
  const copy = await rowCounts(run.sql, state.restoreAs ?? input.target.database);
  const sourceInstance = run.estate.instances.find((i) => i.name.toLowerCase() === (input.captures.server ?? state.sourceServer ?? '').toLowerCase());
  let source: Map<string, number> | undefined;
  if (sourceInstance && state.sourceDatabase && sourceInstance.name !== run.target.name) {
    source = await rowCounts(deps.sqlClient(sourceInstance), state.sourceDatabase).catch(() => undefined);
  }
  const differences: string[] = [];
  if (source) {
    for (const [table, rows] of source) {
      const copied = copy.get(table);
      if (copied === undefined) differences.push(`${table} is missing in the copy`);
      else if (copied !== rows) differences.push(`${table}: ${rows} rows in the source now, ${copied} in the copy (the source may have changed since the backup)`);
    }
    for (const table of copy.keys()) if (!source.has(table)) differences.push(`${table} exists only in the copy`);
  }
  return next('swap', {
    ...state,
    validation: {
      tables: [...copy].map(([table, rows]) => ({ table, rows, sourceRows: source?.get(table) })),
      differences,
      comparedWith: source && sourceInstance ? `${sourceInstance.name}/${state.sourceDatabase}` : undefined,
    },
  });
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

const exists = async (client: SqlClient, name: string): Promise<boolean> => (await databaseState(client, name)) !== undefined;

/** Puts the restored copy under the target's name: the old copy renamed (swap) or dropped (replace on a managed instance). */
export async function swap(deps: RestoreDeps, ctx: StepContext): Promise<StepResult> {
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

/** The rule's post-restore scripts, in the restored database, in order; a re-run skips those done. */
export async function scripts(deps: RestoreDeps, ctx: StepContext): Promise<StepResult> {
  const run = await openRun(deps, ctx);
  const { state, input } = run;
  let done = state.scriptsDone ?? 0;
  for (; done < input.postRestoreScripts.length; done++) {
    try {
      await run.sql.batch(`USE ${quoteName(input.target.database)};\n${input.postRestoreScripts[done]}`, { timeoutMs: 0 });
    } catch (err) {
      if (err instanceof SqlFailure && !err.isTransient) {
        return abortWith({ ...state, scriptsDone: done }, 'POST_RESTORE_SCRIPT_FAILED', `post-restore script ${done + 1} failed; the restored database is in place: ${err.message}`);
      }
      throw err;
    }
  }
  const started = state.startedRestoreAt ? new Date(state.startedRestoreAt).getTime() : ctx.now.getTime();
  return succeed({
    instance: input.target.instance,
    database: input.target.database,
    source: state.sourceServer && state.sourceDatabase ? `${state.sourceServer}/${state.sourceDatabase}` : undefined,
    files: (await run.data.plan()).map((s) => ({ kind: s.kind, stripes: s.urls.length, first: s.urls[0] })),
    restoreSeconds: state.finishedRestoreAt ? Math.round((new Date(state.finishedRestoreAt).getTime() - started) / 1000) : undefined,
    previousCopy: state.oldCopy,
    droppedCopies: state.droppedCopies ?? [],
    validation: state.validation,
    scriptsRun: input.postRestoreScripts.length,
  });
}
