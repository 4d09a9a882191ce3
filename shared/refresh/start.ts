// Starting refresh runs: a schedule slot or a manual run claims its slot in the run store first (two
// triggers at once: one run), then the operation is created with the slot's key, so a crash between
// the two is repaired by the next trigger, which finds the claim and the same operation id.
import type { Estate, RefreshJob } from '../config/schema';
import { AppError } from '../errors';
import { operationIdFor, type OperationEngine } from '../ops/engine';
import type { OperationRecord } from '../ops/types';
import { REFRESH_KIND, refreshTargetKey, stampOf, type RefreshInput } from './input';
import type { RefreshRunStore } from './runStore';
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
 * The job's last run when it has no outcome recorded but has ended (its operation is terminal, or
 * was never created and its claim is old): recorded now, and returned so a new claim does not wait
 * for it.
 */
async function endedRuns(engine: OperationEngine, runs: RefreshRunStore, job: RefreshJob, now: Date): Promise<Set<string>> {
  const state = await runs.get(job.name);
  const ended = new Set<string>();
  for (const run of [state?.lastScheduledRun, state?.lastManualRun]) {
    if (!run || run.outcome !== undefined) continue;
    const op = await engine.get(run.operationId);
    if (op && (op.state === 'succeeded' || op.state === 'failed' || op.state === 'cancelled')) {
      ended.add(run.operationId);
      await runs.recordOutcome(job.name, run.operationId, op.state, op.updatedAt);
    } else if (!op && now.getTime() - Date.parse(run.startedAt) > ABANDONED_CLAIM_MS) ended.add(run.operationId);
  }
  return ended;
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
    if (claim.reason === 'taken') {
      // another request claimed this very slot at the same moment, or an earlier try crashed before
      // creating the operation: a run that exists is named, a missing one is created (idempotent)
      const existing = await engine.get(claim.by);
      if (existing) {
        const open = !['succeeded', 'failed', 'cancelled'].includes(existing.state);
        return { started: false, reason: open ? 'running' : 'taken', by: claim.by, message: open ? runningMessage(job, claim.by) : `a run of ${job.name} for ${slot} already ran (operation ${claim.by}): see GET /api/refreshes` };
      }
      // a fresh claim is a request creating its operation right now; only an old one is repaired
      const state = await runs.get(job.name);
      const claimedAt = [state?.lastScheduledRun, state?.lastManualRun].find((r) => r?.operationId === claim.by)?.startedAt;
      if (claimedAt && now.getTime() - Date.parse(claimedAt) <= ABANDONED_CLAIM_MS) return { started: false, reason: 'running', by: claim.by, message: runningMessage(job, claim.by) };
      const input = refreshInputFor(job, slot, requestedBy);
      const r = await engine.start({ kind: REFRESH_KIND, targetKey: refreshTargetKey(input), input, idempotencyKey: keyOf(job.name, slot), createdBy: requestedBy, duplicateNote: `slot ${slot} triggered again` });
      return { started: true, operation: r.operation, duplicate: true };
    }
    if (claim.reason === 'running') return { started: false, reason: 'running', by: claim.by, message: runningMessage(job, claim.by) };
    return { started: false, reason: claim.reason, by: claim.by, message: `a run of ${job.name} for ${slot} already started (operation ${claim.by}): see GET /api/refreshes` };
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
    const due = dueRun(job, state?.lastScheduledFor, now);
    if (!due) continue;
    out.push({ job: job.name, slot: due.scheduledFor, missed: due.missed, outcome: await startRefresh(engine, runs, job, due.scheduledFor, `schedule ${job.schedule} (${job.timeZone})`, now) });
  }
  return out;
}
