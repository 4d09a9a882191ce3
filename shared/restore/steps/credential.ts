// Step 2: a container credential on the target, with a read + list SAS that expires at the
// operation's deadline. It replaces any credential of the same name (a re-run refreshes it).
import { next, StepResult, type StepContext } from '../../ops/types';
import { createSasCredential } from '../../sql/credentials';
import { openRun, RestoreDeps } from '../deps';
import { abortWith } from './abort';
import { SqlFailure } from '../../sql/sqlErrors';

export async function credential(deps: RestoreDeps, ctx: StepContext): Promise<StepResult> {
  const run = await openRun(deps, ctx);
  const sas = await run.container.sas('read', new Date(ctx.operation.deadline), ctx.now);
  try {
    await run.sql.batch(createSasCredential(run.container.config.url, sas));
  } catch (err) {
    if (err instanceof SqlFailure && !err.isTransient) {
      return abortWith(run.state, 'CREDENTIAL_FAILED', `could not create the container credential on ${run.target.name}: ${err.message}`);
    }
    throw err;
  }
  return next('inspect', run.state);
}
