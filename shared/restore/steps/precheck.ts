// Step 4: the checks that stop a restore before it touches anything, each with its own code:
// production targets, a newer restore that covers this one, version and managed-instance rules,
// an existing target and the rule's choice, file placement.
import { awaitApproval, next, StepResult, succeed } from '../../ops/types';
import { coveredOutput } from './locate';
import { planMoves } from '../../sql/relocation';
import { databaseState } from '../../sql/databases';
import { openRun, planKeys, RestoreDeps, targetKeyOf, type RestoreContext, type RestoreRun } from '../deps';
import { protectionOf, protectionVerdict } from '../protection';
import { restoredBackup, type RestoreState } from '../state';
import { failWith } from './abort';
import { portabilityProblem } from '../portability';
import { logReplayFolder } from '../logReplayFiles';


/** A staging name for swap: the target's name with a suffix, within 128 characters. */
export function stagingName(target: string, operationId: string): string {
  const suffix = `_restoring_${operationId.slice(-8)}`;
  return `${target.slice(0, 128 - suffix.length)}${suffix}`;
}

/** Another open restore of this target (its plan is recorded while it is open) whose chain goes on past this one's backup. */
async function newerRestore(deps: RestoreDeps, run: RestoreRun, operationId: string): Promise<string | undefined> {
  const mine = await planKeys(run);
  const last = mine[mine.length - 1] ?? [];
  const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((k) => b.includes(k));
  for (const other of await deps.claims.plans(targetKeyOf(run.input))) {
    if (other.operationId === operationId) continue;
    const at = other.steps.findIndex((step) => same(step, last));
    if (at >= 0 && at < other.steps.length - 1) return other.operationId;
  }
  return undefined;
}

/**
 * Before taking the target's lock: a newer member of the same chain supersedes this pending
 * restore, so the chain is restored once — a newer backup found in the container (its own restore
 * includes this one), or an open restore whose chain goes past this one's backup. This one ends
 * skipped, saying so. A restore already under way (holding the lock) is never doubled: the newer
 * one waits for it.
 */
export async function yieldToNewer(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { input, state } = run;
  if (input.explicit) return next('precheck', state);
  const plan = await run.data.plan();
  const backup = restoredBackup(plan[plan.length - 1], (url) => run.container.pathOf(url) ?? url);
  const last = (await planKeys(run)).at(-1) ?? [];
  const claim = await deps.claims.claimedBy(targetKeyOf(input), last[0] ?? '');
  let output: Record<string, unknown> | undefined;
  if (claim?.restored && claim.operationId !== ctx.operation.id) output = { ...coveredOutput(input, claim.operationId), backup };
  else {
    const newer = state.supersededBy ? undefined : await newerRestore(deps, run, ctx.operation.id);
    const why = state.supersededBy
      ? `the container holds a newer backup of the same chain, ${state.supersededBy}, whose own restore includes ${input.blobPath}`
      : newer && `operation ${newer} restores a newer backup of the same chain into ${input.target.database}, and that chain includes ${input.blobPath}`;
    if (why) {
      output = {
        skipped: true,
        superseded: true,
        reason: `superseded: ${why}, so the chain is restored once; nothing was restored by this operation (POST /api/restores restores this backup alone)`,
        coveredBy: newer,
        backup,
      };
    }
  }
  if (!output) return next('precheck', state);
  await deps.claims.forgetPlan(targetKeyOf(input), ctx.operation.id);
  return succeed(output);
}

export async function precheck(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { input, state, target } = run;
  const plan = await run.data.plan();
  const targetName = `${target.name}/${input.target.database}`;

  // production: refused unless the rule allows it, and then only after an approval
  const verdict = protectionVerdict(protectionOf(run.estate, target.name, input.target.database), {
    onExisting: input.onExisting,
    allowProductionTarget: input.allowProductionTarget,
    target: targetName,
    what: `the restore of ${input.blobPath}`,
  });
  if (!verdict.allowed) return failWith(state, 'TARGET_PROTECTED', verdict.message);
  if ('approvalNeeded' in verdict && ctx.operation.approval?.decision !== 'approved') {
    return awaitApproval(verdict.approvalNeeded, 'precheck', state);
  }

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

  // From here on this operation owns the blob versions of its plan: other events for them end quietly.
  await run.data.setMoves(moves);
  await deps.claims.claim(targetKeyOf(input), (await planKeys(run)).flat(), ctx.operation.id);

  // A restore into a new name or a staging name verifies the pages as it reads them (WITH CHECKSUM):
  // a damaged backup fails it and the existing database is untouched. Only a restore over the
  // database in place reads the backup once more first (VERIFYONLY), because a failed in-place
  // restore leaves the database unusable.
  const verifyFirst = inPlace && targetExisted && input.verify === 'verifyonly';
  return next(logReplay ? 'stageLogReplay' : verifyFirst ? 'verifyBackup' : 'startRestore', {
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
