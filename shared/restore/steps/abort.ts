// The way out of a failed restore: whatever step failed, the staging database (never the
// existing target) is dropped and the Agent job removed, then the operation fails with the code.
import { next, fail, StepResult, type StepContext } from '../../ops/types';
import { deleteJob } from '../../sql/agentJobs';
import { quoteName } from '../../sql/quote';
import { databaseState } from '../../sql/databases';
import { openRun, RestoreDeps } from '../deps';
import type { RestoreState } from '../state';
import { jobNameFor } from './execute';

export function abortWith(state: RestoreState, code: string, message: string): StepResult {
  return next('abort', { ...state, failure: { code, message } });
}

export async function abort(deps: RestoreDeps, ctx: StepContext): Promise<StepResult> {
  const run = await openRun(deps, ctx);
  const { state, input } = run;
  const failure = state.failure ?? { code: 'RESTORE_FAILED', message: 'the restore failed' };
  const notes: string[] = [];
  if (state.targetKind === 'sqlServer' && state.planLength) {
    for (let i = 0; i < state.planLength; i++) await deleteJob(run.sql, jobNameFor(ctx.operation.id, i)).catch(() => undefined);
  }
  if (state.restoreAs && state.restoreAs.toLowerCase() !== input.target.database.toLowerCase()) {
    const name = state.restoreAs;
    if ((await databaseState(run.sql, name)) !== undefined) {
      await run.sql.batch(`DROP DATABASE ${quoteName(name)}`, { timeoutMs: 120_000 });
      notes.push(`staging database ${name} dropped`);
    }
  }
  // what a DBA needs to know first: did anything change?
  const untouched = /nothing was (changed|restored)/.test(failure.message)
    ? ''
    : !state.startedRestoreAt
      ? `; nothing was changed on ${input.target.instance}`
      : state.targetExisted && !state.replace
        ? `; the existing ${input.target.database} on ${input.target.instance} was not changed`
        : '';
  return fail(failure.code, `${failure.message}${untouched}${notes.length ? ` (${notes.join(', ')})` : ''}`);
}
