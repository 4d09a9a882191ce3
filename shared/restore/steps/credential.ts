// Step 2: a container credential on the target, with a read + list SAS that expires at the
// operation's deadline. It replaces any credential of the same name (a re-run refreshes it).
import { next, StepResult } from '../../ops/types';
import { createSasCredential } from '../../sql/credentials';
import { openRun, RestoreDeps, type RestoreContext } from '../deps';
import type { RestoreState } from '../state';
import { failWith } from './abort';
import { SqlFailure } from '../../sql/sqlErrors';

export async function credential(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const sas = await run.container.sas('read', new Date(ctx.operation.deadline), ctx.now);
  let targetFacts;
  try {
    targetFacts = (
      await run.sql.batch<{ major: number; edition: number; dataPath: string | null; logPath: string | null }>(
        "SELECT CAST(SERVERPROPERTY('ProductMajorVersion') AS int) AS major, CAST(SERVERPROPERTY('EngineEdition') AS int) AS edition, " +
          "CAST(SERVERPROPERTY('InstanceDefaultDataPath') AS nvarchar(260)) AS dataPath, CAST(SERVERPROPERTY('InstanceDefaultLogPath') AS nvarchar(260)) AS logPath",
      )
    ).recordsets[0]?.[0];
    await run.sql.batch(createSasCredential(run.container.config.url, sas));
  } catch (err) {
    if (err instanceof SqlFailure && !err.isTransient) {
      return failWith(run.state, 'CREDENTIAL_FAILED', `could not create the container credential on ${run.target.name}: ${err.message}`);
    }
    throw err;
  }
  return next('inspect', { ...run.state, targetKind: run.target.kind, targetFacts });
}
