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

export function refreshInputFor(job: RefreshJob, slot: string, requestedBy: string, now: Date): RefreshInput {
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
    stamp: stampOf(now),
  };
}

const keyOf = (job: string, slot: string): string => `${job.toLowerCase()}|${slot}`;

export function findJob(estate: Estate, name: string): RefreshJob {
  const job = estate.refreshJobs.find((j) => j.name.toLowerCase() === name.toLowerCase());
  if (!job) throw new AppError('REFRESH_JOB_NOT_FOUND', `no refresh job named ${name} in the estate (jobs: ${estate.refreshJobs.map((j) => j.name).join(', ') || 'none'})`);
  return job;
}

export async function startRefresh(engine: OperationEngine, runs: RefreshRunStore, job: RefreshJob, slot: string, requestedBy: string, now: Date): Promise<StartOutcome> {
  const claim = await runs.claim(job.name, slot, (s) => operationIdFor(REFRESH_KIND, keyOf(job.name, s), now));
  if (!claim.claimed) {
    if (claim.reason === 'paused') return { started: false, reason: 'paused', message: `refresh ${job.name} is paused (POST /api/refreshes/${job.name}/resume)` };
    if (claim.reason === 'taken') {
      // the claim is ours from an earlier try that may have crashed before the operation: create it (idempotent)
      const input = refreshInputFor(job, slot, requestedBy, now);
      const r = await engine.start({ kind: REFRESH_KIND, targetKey: refreshTargetKey(input), input, idempotencyKey: keyOf(job.name, slot), createdBy: requestedBy, duplicateNote: `slot ${slot} triggered again` });
      return { started: true, operation: r.operation, duplicate: true };
    }
    return { started: false, reason: claim.reason, by: claim.by, message: `slot ${slot} of ${job.name} is older than the last one run (operation ${claim.by})` };
  }
  const input = refreshInputFor(job, slot, requestedBy, now);
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
