// Step 3: read every candidate file's label and header through the target (each blob version only
// once: headers are cached in the JSON store), plan the restore, and read the full backup's files.
import { next, StepResult, wait, waitOn } from '../../ops/types';
import { restoreInspect } from '../../sql/restoreStatements';
import { SqlFailure } from '../../sql/sqlErrors';
import { backupsArrivedFor, openRun, planKeys, RestoreDeps, targetKeyOf, type RestoreContext } from '../deps';
import type { RestoreState } from '../state';
import { numbersInJobMessage, restoreFailure } from '../failures';
import { serverJob } from '../../sql/agentJobs';
import { jobNameFor } from './execute';
import { backupFiles, inspectBlob } from '../inspect';
import { exactHeaderSupported } from '../headerQuery';
import { planRestore, supersedingBackup } from '../planner';
import { loadBlob, storeBlob, type PlannedStep, type StoredBlob } from '../state';
import { failWith } from './abort';
import { portabilityProblem } from '../portability';
import { isTransientError, toErrorInfo } from '../../errors';
import { blobVersionKey } from '../claims';
import { hashKey } from '../../storage/jsonStore';

const VERSION_NAMES: Record<number, string> = { 13: '2016', 14: '2017', 15: '2019', 16: '2022', 17: '2025' };
const versionName = (major: number): string => `SQL Server ${VERSION_NAMES[major] ?? `${major}.0`} (${major}.0)`;

export async function inspect(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { state } = run;
  const inspected: StoredBlob[] = [];
  const facts = state.targetFacts;
  const exact = facts !== undefined && exactHeaderSupported(facts.major, facts.edition);
  try {
    for (const [path, eTag] of Object.entries(await run.data.candidates())) {
      const url = run.container.urlOf(path);
      // a blob version's header never changes: read once, shared by every later restore
      const cacheKey = `headers/${hashKey(blobVersionKey(url, eTag))}.json`;
      let blob = await deps.store.get<StoredBlob>(cacheKey);
      if (!blob) {
        blob = storeBlob(await inspectBlob(run.sql, url, path, exact));
        if (!blob.lsnApproximate) await deps.store.put(cacheKey, blob);
      }
      inspected.push(blob);
    }
  } catch (err) {
    if (err instanceof SqlFailure && !err.isTransient) {
      const f = restoreFailure(err.numbers, err.message);
      return failWith(state, f.code, `reading the backup headers failed: ${f.message}`);
    }
    throw err;
  }
  // exactly the backup set of the blob that started this restore (or the chain that ends with it)
  const blobs = inspected.map(loadBlob);
  const triggerUrl = run.container.urlOf(run.input.blobPath);
  const result = planRestore(blobs, { endsWith: triggerUrl });
  if (!result.ok) {
    const problem = result.problem;
    // what has not arrived yet may still come: its stripes, the full a log starts from, a log in between
    const missing = problem.code === 'STRIPES_MISSING' ? 'stripes' : problem.code === 'NO_FULL_BACKUP' || problem.code === 'LOG_CHAIN_GAP' ? 'the rest of the chain' : undefined;
    if (missing) {
      const since = state.waitingSince ?? ctx.now.toISOString();
      if (ctx.now.getTime() - new Date(since).getTime() > run.input.stripeTimeoutMinutes * 60_000) {
        return failWith(state, problem.code, `${problem.message} after waiting ${run.input.stripeTimeoutMinutes} minutes; nothing was restored`);
      }
      return waitOn([backupsArrivedFor(targetKeyOf(run.input))], deps.pollMs, `waiting for ${missing}: ${problem.message}`, { ...state, waitingSince: since }, 'locate');
    }
    return failWith(state, problem.code, problem.message);
  }
  // a newer backup in the container whose own restore includes this one: this restore steps aside
  const newer = run.input.explicit ? undefined : supersedingBackup(blobs, triggerUrl);
  const plan: PlannedStep[] = result.plan.steps.map((s) => ({
    kind: s.set.kind,
    urls: s.set.urls,
    recovery: s.recovery,
    softwareVersionMajor: s.set.header.softwareVersionMajor,
    checksums: s.set.header.hasBackupChecksums,
    backupSetGuid: s.set.header.backupSetGuid,
    firstLsn: s.set.header.firstLsn.toString(),
    lastLsn: s.set.header.lastLsn.toString(),
    backupStartDate: s.set.header.backupStartDate?.toISOString(),
    backupFinishDate: s.set.header.backupFinishDate.toISOString(),
  }));
  const first = result.plan.steps[0].set;
  await run.data.setPlan(plan);
  // other restores of this target can see what this one would restore (see precheck)
  await deps.claims.recordPlan(targetKeyOf(run.input), { operationId: ctx.operation.id, steps: await planKeys(run) });
  const planned: RestoreState = { ...state, waitingSince: undefined, planLength: plan.length, sourceDatabase: first.header.databaseName, sourceServer: first.header.serverName, supersededBy: newer && run.container.pathOf(newer) };
  const newest = Math.max(...plan.map((s) => s.softwareVersionMajor));
  // a managed instance's backup onto SQL Server (REFERENCE.md 7): its update policy, asked of ARM,
  // says more than the version number does, so it is checked first
  const sourceName = (run.input.captures.server ?? first.header.serverName).split('.')[0].toLowerCase();
  const sourceMi = run.estate.instances.find((i) => i.kind === 'managedInstance' && i.name.toLowerCase() === sourceName);
  if (run.target.kind === 'sqlServer' && sourceMi?.armResourceId && deps.managedInstanceFacts && facts) {
    let miFacts;
    try {
      miFacts = await deps.managedInstanceFacts(sourceMi.armResourceId);
    } catch (err) {
      if (isTransientError(err)) throw err;
      return failWith(planned, 'PORTABILITY_UNKNOWN', `could not read ${sourceMi.name}'s update policy and TDE protector from ARM: ${toErrorInfo(err).message}`);
    }
    planned.sourceMi = { name: sourceMi.name, facts: miFacts };
    const problem = portabilityProblem({ sourceInstance: sourceMi.name, facts: miFacts, encrypted: false, target: run.target.name, targetMajor: facts.major });
    if (problem) return failWith(planned, problem.code, problem.message);
  }
  if (run.target.kind === 'sqlServer' && facts && newest > facts.major) {
    return failWith(planned,
      'BACKUP_NEWER_THAN_TARGET',
      `backup was taken on ${versionName(newest)}; target ${run.target.name} runs ${versionName(facts.major)} and cannot restore newer versions`,
    );
  }
  try {
    await run.data.setFiles(await backupFiles(run.sql, first.urls));
  } catch (err) {
    if (err instanceof SqlFailure && !err.isTransient) {
      const f = restoreFailure(err.numbers, err.message);
      return failWith(planned, f.code, `reading the backup's file list failed: ${f.message}`);
    }
    throw err;
  }
  return next('yieldToNewer', planned);
}

/**
 * RESTORE VERIFYONLY of every file of the plan, one after the other, each a server-side job: SQL
 * Server reads the whole backup for it, which takes as long as reading it for the restore, so it
 * runs only before a restore that replaces a database in place (see precheck).
 */
export async function verifyBackup(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const plan = await run.data.plan();
  let verified = run.state.verifiedFiles ?? 0;
  for (; verified < plan.length; verified++) {
    const job = await serverJob(
      run.sql,
      jobNameFor(ctx.operation.id, `verify ${verified + 1}`),
      restoreInspect('VERIFYONLY', plan[verified].urls, plan[verified].checksums === true).literal(),
      `mi-autopilot operation ${ctx.operation.id}: RESTORE VERIFYONLY of file ${verified + 1} of ${plan.length}`,
    );
    if (job.state === 'running') {
      return wait(deps.pollMs, `RESTORE VERIFYONLY of backup file ${verified + 1} of ${plan.length} on ${run.target.name}`, { ...run.state, verifiedFiles: verified });
    }
    if (job.state === 'failed') {
      const f = restoreFailure(numbersInJobMessage(job.message), job.message);
      return failWith({ ...run.state, verifiedFiles: verified }, f.code, `checking the backup failed (RESTORE VERIFYONLY): ${f.message}`);
    }
  }
  // an operation of an older version verified before its precheck (it has no restoreAs yet)
  return next(run.state.restoreAs === undefined ? 'precheck' : 'startRestore', { ...run.state, verifiedFiles: verified });
}
