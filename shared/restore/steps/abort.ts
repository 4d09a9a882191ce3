// The way out of a restore that failed, was cancelled or ran out of time (the playbook's cleanup
// step): a running Agent job is stopped and removed, a Log Replay restore stopped, a database
// this operation created (a staging copy, or a target that did not exist before) is dropped, and
// the existing target is never touched. The message says plainly what changed.
import { next, fail, StepResult, wait, type StepContext } from '../../ops/types';
import { deleteJob, stopJob } from '../../sql/agentJobs';
import { quoteName } from '../../sql/quote';
import { databaseState } from '../../sql/databases';
import { blobVersionKey } from '../claims';
import { openRun, RestoreDeps, targetKeyOf } from '../deps';
import type { RestoreState } from '../state';
import { jobNameFor, miOperation } from './execute';
import { stopLogReplay } from './logReplay';

export function abortWith(state: RestoreState, code: string, message: string): StepResult {
  return next('abort', { ...state, failure: { code, message } });
}

/** Why the restore stops when no step said so: a cancel or the deadline. */
function endingOf(ctx: StepContext): { code: string; message: string } {
  const op = ctx.operation;
  if (op.cleanup?.reason === 'cancelled' || op.cancelRequested) {
    return { code: 'CANCELLED', message: `cancelled by ${op.cancelRequested?.by ?? 'someone'}: ${op.cancelRequested?.reason ?? 'no reason given'}` };
  }
  if (op.cleanup?.reason === 'deadline') return { code: 'DEADLINE_EXCEEDED', message: `the restore ran out of time (deadline ${op.deadline})` };
  return { code: 'RESTORE_FAILED', message: 'the restore failed' };
}

export async function abort(deps: RestoreDeps, ctx: StepContext): Promise<StepResult> {
  const run = await openRun(deps, ctx);
  const { input } = run;
  let { state } = run;
  const failure = state.failure ?? endingOf(ctx);
  const restoreAs = state.restoreAs ?? input.target.database;
  const underStagingName = restoreAs.toLowerCase() !== input.target.database.toLowerCase();
  // the database restored into is this operation's to drop: a staging copy, or a target that did not exist
  const ours = underStagingName || state.targetExisted === false;

  const stopped = await stopLogReplay(deps, run, ours);
  state = stopped.state;
  if (stopped.again) return wait(deps.pollMs, `stopping the Log Replay restore of ${restoreAs} after: ${failure.message}`, state);
  const notes: string[] = [...stopped.notes];

  if (state.targetKind === 'sqlServer' && state.planLength) {
    for (let i = 0; i < state.planLength; i++) {
      const job = jobNameFor(ctx.operation.id, i);
      await stopJob(run.sql, job);
      await deleteJob(run.sql, job);
    }
  }
  if (state.targetKind === 'managedInstance' && !state.logReplay && state.startedRestoreAt && !state.finishedRestoreAt && ours) {
    // a managed instance finishes a RESTORE it started whatever the client does: wait, then drop
    const op = await miOperation(run, state);
    if (op && op.state <= 1) return wait(deps.pollMs, `waiting for ${run.target.name} to finish the RESTORE of ${restoreAs} it started, to drop it (${failure.message})`, state);
  }
  const current = await databaseState(run.sql, restoreAs);
  // a database this operation created goes; one that was there before stays (unless it was ONLINE
  // and complete: a restored copy whose later step failed is kept, the message says so)
  if (current !== undefined && ours && (underStagingName || current !== 'ONLINE')) {
    await run.sql.batch(`DROP DATABASE ${quoteName(restoreAs)}`, { timeoutMs: 120_000 });
    notes.push(underStagingName ? `staging database ${restoreAs} dropped` : `the partly restored ${restoreAs} dropped (it did not exist before)`);
  }

  // the other events of this backup set or chain say truthfully that nothing was restored
  const candidates = Object.entries(await run.data.candidates());
  if (candidates.length > 0) {
    const outcome = failure.code === 'CANCELLED' ? 'was cancelled' : `failed (${failure.code})`;
    const keys = candidates.map(([path, eTag]) => blobVersionKey(run.container.urlOf(path), eTag));
    const claimed = await deps.claims.claimedBy(targetKeyOf(input), keys[0]);
    if (claimed?.operationId === ctx.operation.id) await deps.claims.markUnrestored(targetKeyOf(input), keys, ctx.operation.id, outcome);
  }

  // what a DBA needs to know first: did anything change?
  let changed = '';
  if (!/nothing was (changed|restored)/.test(failure.message)) {
    if (!state.startedRestoreAt) changed = `; nothing was changed on ${input.target.instance}`;
    else if (state.targetExisted && !state.replace) changed = `; the existing ${input.target.database} on ${input.target.instance} was not changed`;
    else if (state.replace && current === 'RESTORING') {
      changed = `; the existing ${input.target.database} on ${input.target.instance} was being overwritten (onExisting: replace) and is left RESTORING, unusable: restore it again`;
    }
  }
  return fail(failure.code, `${failure.message}${changed}${notes.length ? ` (${notes.join(', ')})` : ''}`);
}
