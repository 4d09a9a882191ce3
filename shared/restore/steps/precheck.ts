// Step 4: the checks that stop a restore before it touches anything, each with its own code:
// version, managed-instance rules, an existing target and the rule's choice, file placement.
import { next, StepResult } from '../../ops/types';
import { planMoves } from '../../sql/relocation';
import { databaseState } from '../../sql/databases';
import { openRun, RestoreDeps, targetKeyOf, type RestoreContext } from '../deps';
import type { RestoreState } from '../state';
import { blobVersionKey } from '../claims';
import { failWith } from './abort';
import { portabilityProblem } from '../portability';
import { logReplayFolder } from '../logReplayFiles';


/** A staging name for swap: the target's name with a suffix, within 128 characters. */
export function stagingName(target: string, operationId: string): string {
  const suffix = `_restoring_${operationId.slice(-8)}`;
  return `${target.slice(0, 128 - suffix.length)}${suffix}`;
}

export async function precheck(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { input, state, target } = run;
  const plan = await run.data.plan();
  const facts = state.targetFacts;
  const targetKind = target.kind;
  // T-SQL on a managed instance takes no NORECOVERY: a chain goes through the Log Replay Service
  const logReplay = targetKind === 'managedInstance' && plan.length > 1;
  if (logReplay && (!deps.logReplay || !target.armResourceId)) {
    return failWith({ ...state, targetKind },
      'CHAIN_NEEDS_LOG_REPLAY',
      `the backup chain has ${plan.length} files (full, differential and log backups); a managed instance applies differential and log backups only through the Log Replay Service, which the app reaches through ARM, and ${target.armResourceId ? 'this app has no ARM access (in Azure it uses its managed identity; locally set ARM_ENDPOINT)' : `instance ${target.name} has no armResourceId in the estate`}; nothing was changed`,
    );
  }

  // the TDE half of backup portability, now that the backup's files are known
  if (state.sourceMi && facts) {
    const encrypted = (await run.data.files()).some((f) => f.tdeThumbprint);
    const problem = portabilityProblem({ sourceInstance: state.sourceMi.name, facts: state.sourceMi.facts, encrypted, target: target.name, targetMajor: facts.major });
    if (problem) return failWith({ ...state, targetKind }, problem.code, problem.message);
  }

  const targetExisted = (await databaseState(run.sql, input.target.database)) !== undefined;
  if (targetExisted && input.onExisting === 'fail') {
    return failWith({ ...state, targetKind, targetExisted },
      'TARGET_EXISTS',
      `database ${input.target.database} already exists on ${target.name} and ${input.rule ? `rule ${input.rule}` : 'the request'} says onExisting: fail; nothing was changed`,
    );
  }
  // SQL Server overwrites in place with REPLACE; a managed instance cannot, so it restores
  // beside the target like swap does, and the old copy is dropped after the rename.
  const inPlace = !targetExisted || (input.onExisting === 'replace' && targetKind === 'sqlServer');
  const restoreAs = inPlace ? input.target.database : stagingName(input.target.database, ctx.operation.id);
  const paths = target.paths ?? { data: facts?.dataPath ?? '', log: facts?.logPath ?? '' };
  if (targetKind === 'sqlServer' && (!paths.data || !paths.log)) {
    return failWith({ ...state, targetKind, targetExisted },
      'NO_FILE_LOCATION',
      `${target.name} reports no default data and log folders (SERVERPROPERTY InstanceDefaultDataPath/LogPath); set paths on the instance in the estate`,
    );
  }
  const moves = targetKind === 'sqlServer' ? planMoves(await run.data.files(), restoreAs, paths) : [];

  // From here on this operation owns these blob versions: other events for them end quietly.
  await run.data.setMoves(moves);
  const keys = Object.entries(await run.data.candidates()).map(([path, eTag]) => blobVersionKey(run.container.urlOf(path), eTag));
  await deps.claims.claim(targetKeyOf(input), keys, ctx.operation.id);

  return next(logReplay ? 'stageLogReplay' : 'startRestore', {
    ...state,
    logReplay: logReplay ? { folder: logReplayFolder(ctx.operation.id) } : undefined,
    targetKind,
    targetExisted,
    restoreAs,
    replace: inPlace && targetExisted,
    chainIndex: 0,
    reportedPercent: 0,
  });
}
