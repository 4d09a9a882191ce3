// Simulated time for a long request (BACKUP, RESTORE, DBCC CHECKDB): it shows in
// sys.dm_exec_requests while the instance's clock carries it from 0 to 100 percent, and ATTENTION,
// KILL, the session closing or an injected fault stop it. One loop for all of them, so they pass
// time, report progress and stop alike.
import type { ActiveRequest } from './model';

export interface ProgressPlan {
  /** simulated milliseconds from 0 to 100 percent */
  totalMs: number;
  /** stop with FaultReached when this percent is reached */
  failAtPercent?: number;
}

/** The injected fault's percent was reached; the caller reports it in its own words. */
export class FaultReached extends Error {
  constructor(readonly percent: number) {
    super(`fault at ${percent} percent`);
    this.name = 'FaultReached';
  }
}

/** what a long request needs from its instance: the clock, and the DMV it shows in */
export interface RequestHost {
  now(): Date;
  /** resolves after `ms` of simulated time; rejects with the signal's reason when aborted */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** shows the request in sys.dm_exec_requests; the returned function removes it */
  registerRequest(req: ActiveRequest): () => void;
}

/**
 * Advances `request` (percent_complete, estimated_completion_time) from 0 to 100 percent over
 * `plan.totalMs`; yields each percent once it is reached. Throws the signal's reason when aborted,
 * FaultReached at the fault's percent.
 */
export async function* advanceProgress(
  clock: Pick<RequestHost, 'now' | 'sleep'>,
  request: ActiveRequest,
  plan: ProgressPlan,
  signal?: AbortSignal,
): AsyncGenerator<number, void> {
  const stepMs = plan.totalMs / 100;
  const start = clock.now().getTime();
  // each percent is due at a fixed point from the start, so timer overshoot does not add up over
  // the 100 steps; steps under a millisecond are slept together once they add up (timer
  // resolution). `passed` counts what was slept even when the clock does not move with sleeps.
  let passed = 0;
  for (let percent = 1; percent <= 100; percent++) {
    const due = stepMs * percent;
    passed = Math.max(passed, clock.now().getTime() - start);
    if (due - passed >= 1) {
      await clock.sleep(due - passed, signal);
      passed = due;
    } else if (signal?.aborted) {
      throw signal.reason;
    }
    if (plan.failAtPercent !== undefined && percent >= plan.failAtPercent) throw new FaultReached(percent);
    request.percentComplete = percent;
    request.estimatedCompletionTime = Math.round(stepMs * (100 - percent));
    yield percent;
  }
}

/**
 * Runs `request` as a registered sys.dm_exec_requests row for the plan's time (see advanceProgress).
 * `signal` (ATTENTION, KILL, the session closing) stops it, and so does request.cancel(); without a
 * signal nothing outside stops it (a managed instance's restore carries on without its client).
 */
export async function* runRequest(host: RequestHost, request: ActiveRequest, plan: ProgressPlan, signal?: AbortSignal): AsyncGenerator<number, void> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal) {
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    request.cancel = () => controller.abort(new Error('KILL'));
  }
  const unregister = host.registerRequest(request);
  try {
    yield* advanceProgress(host, request, plan, controller.signal);
  } finally {
    unregister();
    signal?.removeEventListener('abort', onAbort);
  }
}
