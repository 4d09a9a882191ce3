// The way out of a restore that failed, was cancelled or ran out of time (the playbook's cleanup
// step, which the engine runs once for every ending but success): running Agent jobs are stopped
// and removed, a Log Replay restore stopped, a database this operation created (a staging copy,
// or a target that did not exist before) is dropped, and the existing target is never touched.
// It reports plainly what changed; the engine puts that after the reason the restore ended.
import type { ErrorCode } from '../../errors';
import { cleanedUp, fail, StepResult, wait } from '../../ops/types';
import { deleteJob, jobsStartingWith, stopJob } from '../../sql/agentJobs';
import { quoteName } from '../../sql/quote';
import { databaseState } from '../../sql/databases';
import { openRun, planKeys, RestoreContext, RestoreDeps, targetKeyOf } from '../deps';
import type { RestoreState } from '../state';
import { jobPrefixFor, miOperation } from './execute';
import { stopLogReplay } from './logReplay';

/** A step's failure, with the state the cleanup needs to know what to undo. */
export const failWith = (state: RestoreState, code: ErrorCode, message: string): StepResult<RestoreState> => fail(code, message, state);

export async function abort(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const ending = ctx.ending?.error ?? { code: 'RESTORE_FAILED', message: 'the restore stopped' };
  const run = await openRun(deps, ctx);
  const { input } = run;
  let { state } = run;
  const restoreAs = state.restoreAs ?? input.target.database;
  const underStagingName = restoreAs.toLowerCase() !== input.target.database.toLowerCase();
  // the database restored into is this operation's to drop: a staging copy, or a target that did not exist
  const ours = underStagingName || state.targetExisted === false;
  const notes: string[] = [];

  const stopped = await stopLogReplay(deps, run, ours);
  state = stopped.state;
  if (stopped.again) return wait(deps.pollMs, `stopping the Log Replay restore of ${restoreAs} after: ${ending.message}`, state);
  notes.push(...stopped.notes);

  // every server-side job of this operation: a RESTORE, VERIFYONLY, CHECKDB or a script
  if (state.targetKind) {
    for (const job of await jobsStartingWith(run.sql, jobPrefixFor(ctx.operation.id))) {
      if (await stopJob(run.sql, job)) notes.push(`SQL Agent job '${job}' stopped`);
      await deleteJob(run.sql, job);
    }
  }
  if (state.targetKind === 'managedInstance' && !state.logReplay && state.startedRestoreAt && !state.finishedRestoreAt && ours) {
    // a managed instance finishes a RESTORE it started whatever the client does: wait, then drop
    const op = await miOperation(run, state);
    if (op && op.state <= 1) return wait(deps.pollMs, `waiting for ${run.target.name} to finish the RESTORE of ${restoreAs} it started, to drop it (${ending.message})`, state);
  }
  // nothing was restored into yet: no database to look at
  const current = state.restoreAs ? await databaseState(run.sql, restoreAs) : undefined;
  // a database this operation created goes; one that was there before stays (unless it was ONLINE
  // and complete: a restored copy whose later step failed is kept, the report says so)
  if (current !== undefined && ours && (underStagingName || current !== 'ONLINE')) {
    // sessions in it (a script, a DBA looking) would make the DROP fail: they are ended first
    const db = quoteName(restoreAs);
    await run.sql.batch(current === 'ONLINE' ? `ALTER DATABASE ${db} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\nDROP DATABASE ${db}` : `DROP DATABASE ${db}`, { timeoutMs: 120_000 });
    notes.push(underStagingName ? `staging database ${restoreAs} dropped` : `the partly restored ${restoreAs} dropped (it did not exist before)`);
  }

  // the other events of this backup set or chain say truthfully that nothing was restored, and a
  // new restore of these blobs is not taken for a duplicate
  const keys = (await planKeys(run)).flat();
  if (keys.length > 0) {
    const outcome = ending.code === 'CANCELLED' ? 'was cancelled' : `failed (${ending.code})`;
    const claimed = await deps.claims.claimedBy(targetKeyOf(input), keys[0]);
    if (claimed?.operationId === ctx.operation.id) await deps.claims.markUnrestored(targetKeyOf(input), keys, ctx.operation.id, outcome);
  }
  await deps.claims.forgetPlan(targetKeyOf(input), ctx.operation.id);

  // what a DBA needs to know first: did anything change?
  let changed = '';
  if (!/nothing was (changed|restored)/.test(ending.message)) {
    if (!state.startedRestoreAt) changed = `nothing was changed on ${input.target.instance}`;
    else if (state.targetExisted && !state.replace) changed = `the existing ${input.target.database} on ${input.target.instance} was not changed`;
    else if (state.replace && current === 'RESTORING') {
      changed = `the existing ${input.target.database} on ${input.target.instance} was being overwritten (onExisting: replace) and is left RESTORING, unusable: restore it again`;
    } else if (current === 'ONLINE' && !underStagingName && state.targetExisted === false) {
      changed = `${input.target.database} was restored on ${input.target.instance} and is ONLINE; it is kept`;
    } else if (state.targetExisted === false) {
      changed = `${input.target.database} did not exist on ${input.target.instance} before, and nothing of it is left`;
    }
  }
  return cleanedUp([changed, notes.length ? `(${notes.join(', ')})` : ''].filter(Boolean).join(' '));
}
