// A differential or log chain onto a managed instance. T-SQL there takes no NORECOVERY, so the
// chain goes through the Log Replay Service (REFERENCE.md 8): the plan's files are copied into a
// flat folder of their own (named .bak/.diff/.log, nothing else in it), the service is started
// with a read + list SAS and told the last file, and restoreDetails is followed until it
// recovers the database. The staged copies are removed afterwards, whatever the outcome.
import { ArmError } from '../../arm/errors';
import { next, StepResult, wait } from '../../ops/types';
import type { BackupContainer } from '../../storage/backupContainer';
import { RestoreDeps, RestoreRun, openRun, type RestoreContext } from '../deps';
import type { LogReplay } from '../logReplayService';
import { lastBackupName, stagedFiles } from '../logReplayFiles';
import type { LogReplayProgress, RestoreState } from '../state';
import { failWith } from './abort';
import { reportOverallProgress } from './execute';

const unquote = (eTag: string): string => eTag.replace(/"/g, '');

export function stagingContainer(run: RestoreRun): BackupContainer {
  return run.container.sibling(run.container.config.logReplayContainer);
}

function logReplayOf(state: RestoreState): LogReplayProgress {
  if (!state.logReplay) throw new Error('the Log Replay steps ran without a staged folder');
  return state.logReplay;
}

/** The service, the instance and the database being restored (precheck made sure ARM is there). */
function serviceFor(deps: RestoreDeps, run: RestoreRun): { service: LogReplay; armId: string; database: string } {
  const service = deps.logReplay;
  const armId = run.target.armResourceId;
  if (!service || !armId) throw new Error('the Log Replay steps ran without ARM');
  return { service, armId, database: run.state.restoreAs ?? run.input.target.database };
}

/** Step: copy every file of the plan into the folder; a re-run keeps the copies already made. */
export async function stageLogReplay(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { state } = run;
  const { folder } = logReplayOf(state);
  const staging = stagingContainer(run);
  const candidates = await run.data.candidates();
  const files = stagedFiles(await run.data.plan());
  // the container made and the source signed only when a copy has to start: a poll of running
  // copies asks storage for nothing more
  let sourceSas: string | undefined;
  const pending: string[] = [];
  for (const file of files) {
    const sourcePath = run.container.pathOf(file.sourceUrl);
    const eTag = sourcePath === undefined ? undefined : candidates[sourcePath];
    if (!sourcePath || !eTag) throw new Error(`${file.sourceUrl} is not one of the operation's backup files`);
    const path = `${folder}/${file.name}`;
    let copy = await staging.copyState(path);
    if (!copy || copy.metadata.sourceetag !== unquote(eTag) || copy.status === 'failed' || copy.status === 'aborted') {
      if (sourceSas === undefined) {
        await staging.ensureExists();
        sourceSas = await run.container.sas('read', new Date(ctx.operation.deadline), ctx.now);
      }
      const started = await staging.startCopy(`${file.sourceUrl}?${sourceSas}`, path, { sourceetag: unquote(eTag), operation: ctx.operation.id }, eTag);
      if (started === 'sourceChanged') {
        return failWith(state, 'BACKUP_CHANGED', `${sourcePath} was replaced in container ${run.input.container} after it was inspected; nothing was restored`);
      }
      copy = await staging.copyState(path);
    }
    if (copy?.status === 'failed' || copy?.status === 'aborted') {
      return failWith(state, 'LOG_REPLAY_STAGING_FAILED', `copying ${sourcePath} to ${staging.config.url}/${path} ${copy.status}: ${copy.description ?? 'storage gave no reason'}`);
    }
    if (copy?.status !== 'success') pending.push(file.name);
  }
  if (pending.length > 0) {
    return wait(deps.pollMs, `copying the backup files for the Log Replay Service: ${files.length - pending.length} of ${files.length} copied`, state);
  }
  return next('startLogReplay', state);
}

/** Step: start the service into the restore name, unless restoreDetails shows it already runs. */
export async function startLogReplay(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { state, target } = run;
  const lrs = logReplayOf(state);
  const { service, armId, database } = serviceFor(deps, run);
  const startedRestoreAt = state.startedRestoreAt ?? ctx.now.toISOString();
  if (await service.details(armId, database)) {
    return next('watchLogReplay', { ...state, startedRestoreAt, logReplay: { ...lrs, started: true } });
  }
  const staging = stagingContainer(run);
  const sasToken = await staging.sas('read', new Date(ctx.operation.deadline), ctx.now);
  let startPoller;
  try {
    startPoller = await service.start(armId, database, { storageContainerUri: staging.urlOf(lrs.folder), sasToken, lastBackupName: lastBackupName(await run.data.plan()) });
  } catch (err) {
    if (err instanceof ArmError && !err.isTransient) {
      return failWith(state, 'LOG_REPLAY_REFUSED', `the Log Replay Service on ${target.name} refused to restore ${database}: ${err.message}`);
    }
    throw err;
  }
  return next('watchLogReplay', { ...state, startedRestoreAt, logReplay: { ...lrs, started: true, startPoller } });
}

/** Step: follow the start operation, then restoreDetails, until the database is recovered. */
export async function watchLogReplay(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const { target } = run;
  let state = run.state;
  let lrs = logReplayOf(state);
  const { service, armId, database } = serviceFor(deps, run);

  if (lrs.startPoller && lrs.startPoller.status === 'InProgress') {
    const polled = await service.poll(lrs.startPoller);
    lrs = { ...lrs, startPoller: polled.state };
    state = { ...state, logReplay: lrs };
    if (polled.error) {
      return failWith(state, 'LOG_REPLAY_REFUSED', `the Log Replay Service on ${target.name} could not start restoring ${database}: ${polled.error.message}`);
    }
    if (!polled.done) return wait(deps.pollMs, `starting the Log Replay Service for ${database} on ${target.name}`, state);
  }

  const details = await service.details(armId, database);
  if (!details) {
    return failWith(state, 'LOG_REPLAY_FAILED', `the Log Replay restore of ${database} on ${target.name} is gone (was it stopped outside the app?)`);
  }
  const status = (details.status ?? '').toLowerCase();
  const unrestorable = details.unrestorableFiles;
  if (status === 'failed') {
    const files = unrestorable.length > 0 ? `; files it could not restore: ${unrestorable.join(', ')}` : '';
    return failWith(state, 'LOG_REPLAY_FAILED', `the Log Replay Service stopped restoring ${database} on ${target.name}: ${details.blockReason ?? 'it gave no reason'}${files}`);
  }
  if (unrestorable.length > 0) {
    // every staged file is part of the chain: one the service cannot read means it never completes
    return failWith(state, 'LOG_REPLAY_FAILED', `the Log Replay Service cannot read ${unrestorable.join(', ')} of the chain staged for ${database} on ${target.name}, so the chain can never complete; the service is stopped`);
  }
  if (status === 'completed') {
    state = await reportOverallProgress(ctx, run, state, 100);
    return next('tidyLogReplay', { ...state, finishedRestoreAt: ctx.now.toISOString() });
  }
  state = await reportOverallProgress(ctx, run, state, Math.min(99, details.percentCompleted ?? 0));
  const plan = await run.data.plan();
  const restored = details.numberOfFilesRestored ?? 0;
  const now = details.currentRestoringFileName ? `, now ${details.currentRestoringFileName}` : '';
  return wait(deps.pollMs, `Log Replay Service restoring ${database} on ${target.name}: ${restored} of ${stagedFiles(plan).length} files restored${now}`, state);
}

/** Step: the staged copies go once the database is recovered. */
export async function tidyLogReplay(deps: RestoreDeps, ctx: RestoreContext): Promise<StepResult<RestoreState>> {
  const run = await openRun(deps, ctx);
  const lrs = logReplayOf(run.state);
  await stagingContainer(run).deleteUnder(`${lrs.folder}/`);
  return next('verify', { ...run.state, logReplay: { ...lrs, tidied: true } });
}

/**
 * For abort: stops a Log Replay restore this operation started into a database it created (which
 * deletes that database: never an existing target) and removes the staged copies.
 * Returns the state to keep and whether to come back later (the stop is a long-running operation).
 */
export async function stopLogReplay(deps: RestoreDeps, run: RestoreRun, createdHere: boolean): Promise<{ state: RestoreState; again: boolean; notes: string[] }> {
  let state = run.state;
  let lrs = state.logReplay;
  const notes: string[] = [];
  if (!lrs || lrs.tidied) return { state, again: false, notes };
  if (lrs.started && createdHere) {
    const { service, armId, database } = serviceFor(deps, run);
    if (!lrs.stopPoller) {
      const details = await service.details(armId, database);
      if (details && (details.status ?? '').toLowerCase() !== 'completed') {
        lrs = { ...lrs, stopPoller: await service.stop(armId, database) };
      }
    }
    if (lrs.stopPoller && lrs.stopPoller.status === 'InProgress') {
      const polled = await service.poll(lrs.stopPoller);
      lrs = { ...lrs, stopPoller: polled.state };
      state = { ...state, logReplay: lrs };
      if (!polled.done) return { state, again: true, notes };
      notes.push(polled.error ? `stopping the Log Replay restore of ${database} failed: ${polled.error.message}` : `Log Replay restore of ${database} stopped and its database removed`);
    }
  }
  const removed = await stagingContainer(run).deleteUnder(`${lrs.folder}/`);
  if (removed > 0) notes.push(`${removed} staged file${removed === 1 ? '' : 's'} removed`);
  return { state: { ...state, logReplay: { ...lrs, tidied: true } }, again: false, notes };
}
