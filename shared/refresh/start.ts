// Starting refresh runs: a schedule slot or a manual run claims its slot in the run store first (two
// triggers at once: one run), then the operation is created with the slot's key, so a crash between
// the two is repaired later with the same operation id. A job runs once at a time: a claim is refused
// while the job's last run is open, and the refusal names that run.
import type { Estate, RefreshJob } from '../config/schema';
import { AppError } from '../errors';
import { operationIdFor, type OperationEngine } from '../ops/engine';
import type { OperationRecord } from '../ops/types';
import { REFRESH_KIND, refreshTargetKey, stampOf, type RefreshInput } from './input';
import type { RefreshRun, RefreshRunStore } from './runStore';
import { dueRun } from './schedule';

export type StartOutcome =
  | { started: true; operation: OperationRecord; duplicate: boolean }
  | { started: false; reason: 'taken' | 'superseded' | 'running' | 'paused' | 'disabled'; by?: string; message: string };

/** a claim without its operation this long is taken as abandoned (the request that claimed it died before creating it) */
const ABANDONED_CLAIM_MS = 60_000;

const slotInstant = (slot: string): Date => new Date(slot.replace(/^manual:/, ''));

export function refreshInputFor(job: RefreshJob, slot: string, requestedBy: string): RefreshInput {
  return {
    job: job.name,
    slot,
    requestedBy,
    source: job.source,
    target: job.target,
    container: job.container,
    sanitizeScripts: job.sanitizeScripts,
    keepPreviousCopies: job.keepPreviousCopies,
    rowCountTolerancePercent: job.rowCountTolerancePercent,
    sessionGraceSeconds: job.sessionGraceSeconds,
    stamp: stampOf(slotInstant(slot)),
  };
}

const keyOf = (job: string, slot: string): string => `${job.toLowerCase()}|${slot}`;

export function findJob(estate: Estate, name: string): RefreshJob {
  const job = estate.refreshJobs.find((j) => j.name.toLowerCase() === name.toLowerCase());
  if (!job) throw new AppError('REFRESH_JOB_NOT_FOUND', `no refresh job named ${name} in the estate (jobs: ${estate.refreshJobs.map((j) => j.name).join(', ') || 'none'})`);
  return job;
}

/**
 * Where a run without a recorded outcome stands: its operation open or ended (the outcome is
 * recorded now, so it is asked once), or never created — by a trigger that may still be creating it
 * (claiming) or that died (abandoned).
 */
async function settle(engine: OperationEngine, runs: RefreshRunStore, job: RefreshJob, run: RefreshRun, now: Date): Promise<'open' | 'ended' | 'claiming' | 'abandoned'> {
  const op = await engine.get(run.operationId);
  if (!op) return now.getTime() - Date.parse(run.startedAt) > ABANDONED_CLAIM_MS ? 'abandoned' : 'claiming';
  if (op.state !== 'succeeded' && op.state !== 'failed' && op.state !== 'cancelled') return 'open';
  await runs.recordOutcome(job.name, run.operationId, op.state, op.updatedAt);
  return 'ended';
}

/** The job's last runs that have ended (or were abandoned) though no outcome was recorded: a new claim does not wait for them. */
async function endedRuns(engine: OperationEngine, runs: RefreshRunStore, job: RefreshJob, now: Date): Promise<Set<string>> {
  const state = await runs.get(job.name);
  const ended = new Set<string>();
  for (const run of [state?.lastScheduledRun, state?.lastManualRun]) {
    if (run && run.outcome === undefined && ['ended', 'abandoned'].includes(await settle(engine, runs, job, run, now))) ended.add(run.operationId);
  }
  return ended;
}

/** whether the claim of `operationId` is recent enough that its trigger may still be creating the operation */
async function claimIsFresh(runs: RefreshRunStore, job: RefreshJob, operationId: string, now: Date): Promise<boolean> {
  const state = await runs.get(job.name);
  const claimedAt = [state?.lastScheduledRun, state?.lastManualRun].find((r) => r?.operationId === operationId)?.startedAt;
  return claimedAt !== undefined && now.getTime() - Date.parse(claimedAt) <= ABANDONED_CLAIM_MS;
}

const runningMessage = (job: RefreshJob, id: string): string =>
  `refresh ${job.name} is already running (operation ${id}); a job runs once at a time: wait for it (GET /api/operations/${id}) or cancel it (POST /api/operations/${id}/cancel)`;

/**
 * Starts one run of the job for `slot`. A job runs once at a time: while a run is open, another is
 * refused (reason running, `by` the open run); a scheduled slot refused so is still due and runs
 * once the open run has ended.
 */
export async function startRefresh(engine: OperationEngine, runs: RefreshRunStore, job: RefreshJob, slot: string, requestedBy: string, now: Date): Promise<StartOutcome> {
  const ended = await endedRuns(engine, runs, job, now);
  const claim = await runs.claim(job.name, slot, (s) => operationIdFor(REFRESH_KIND, keyOf(job.name, s), now), { unlessRunning: true, ended });
  if (!claim.claimed) {
    if (claim.reason === 'paused') return { started: false, reason: 'paused', message: `refresh ${job.name} is paused (POST /api/refreshes/${job.name}/resume)` };
    if (claim.reason === 'running') return { started: false, reason: 'running', by: claim.by, message: runningMessage(job, claim.by) };
    // this slot (taken) or a later one (superseded) was claimed by another trigger: requests at the
    // same moment, or an earlier try that died before creating the operation
    const existing = await engine.get(claim.by);
    const open = existing ? !['succeeded', 'failed', 'cancelled'].includes(existing.state) : await claimIsFresh(runs, job, claim.by, now);
    if (open) return { started: false, reason: 'running', by: claim.by, message: runningMessage(job, claim.by) };
    if (existing || claim.reason === 'superseded') {
      return { started: false, reason: claim.reason, by: claim.by, message: `a run of ${job.name} for ${claim.reason === 'taken' ? slot : 'a later moment'} already ran (operation ${claim.by}): see GET /api/refreshes` };
    }
    // this slot's claim is old and its operation was never created: created now (idempotent)
    const input = refreshInputFor(job, slot, requestedBy);
    const r = await engine.start({ kind: REFRESH_KIND, targetKey: refreshTargetKey(input), input, idempotencyKey: keyOf(job.name, slot), createdBy: requestedBy, duplicateNote: `slot ${slot} triggered again` });
    return { started: true, operation: r.operation, duplicate: true };
  }
  const input = refreshInputFor(job, slot, requestedBy);
  const r = await engine.start({ kind: REFRESH_KIND, targetKey: refreshTargetKey(input), input, idempotencyKey: keyOf(job.name, slot), createdBy: requestedBy });
  return { started: true, operation: r.operation, duplicate: r.duplicate };
}

/** The scheduler's tick: every enabled job whose slot is due starts once (a missed run runs once). */
export async function runDueJobs(engine: OperationEngine, runs: RefreshRunStore, estate: Estate, now: Date): Promise<Array<{ job: string; slot: string; missed: number; outcome: StartOutcome }>> {
  const out: Array<{ job: string; slot: string; missed: number; outcome: StartOutcome }> = [];
  const states = new Map((await runs.list()).map((s) => [s.job.toLowerCase(), s]));
  for (const job of estate.refreshJobs) {
    if (!job.enabled) continue;
    const state = states.get(job.name.toLowerCase());
    if (state?.paused) continue;
    // the last scheduled slot's trigger died between its claim and its operation: that slot runs now
    // (the schedule has moved past it, so dueRun would never give it again)
    const last = state?.lastScheduledRun;
    if (last && last.outcome === undefined && (await settle(engine, runs, job, last, now)) === 'abandoned') {
      out.push({ job: job.name, slot: last.slot, missed: 0, outcome: await startRefresh(engine, runs, job, last.slot, `schedule ${job.schedule} (${job.timeZone})`, now) });
      continue;
    }
    const due = dueRun(job, state?.lastScheduledFor, now);
    if (!due) continue;
    out.push({ job: job.name, slot: due.scheduledFor, missed: due.missed, outcome: await startRefresh(engine, runs, job, due.scheduledFor, `schedule ${job.schedule} (${job.timeZone})`, now) });
  }
  return out;
}
