// Simulated time for a running BACKUP or RESTORE: percent_complete rises in sys.dm_exec_requests,
// STATS = n messages (3211) arrive as it crosses each n percent, and an injected fault can stop it.
import type { ActiveRequest } from '../engine/model';
import type { RequestOutput } from '../tds/types';
import type { BackupHost } from './host';
import { m } from './messages';

export interface ProgressPlan {
  totalMs: number;
  /** STATS = n: a 3211 message every n percent */
  stats?: number;
  /** stop with FaultReached when this percent is reached */
  failAtPercent?: number;
  /** called after each percent step (e.g. the managed instance's coarse dm_operation_status) */
  onPercent?: (percent: number) => void;
}

/** The injected fault's percent was reached; the caller reports it with its device. */
export class FaultReached extends Error {
  constructor(readonly percent: number) {
    super(`fault at ${percent} percent`);
    this.name = 'FaultReached';
  }
}

/** Advances `request` from 0 to 100 percent over `plan.totalMs`; yields the STATS messages. */
export async function* runProgress(
  host: BackupHost,
  request: ActiveRequest,
  plan: ProgressPlan,
  signal?: AbortSignal,
): AsyncGenerator<RequestOutput, void> {
  const stepMs = plan.totalMs / 100;
  // timers have millisecond resolution: short steps are slept together once they add up
  let owedMs = 0;
  for (let percent = 1; percent <= 100; percent++) {
    owedMs += stepMs;
    if (owedMs >= 1) {
      await host.sleep(owedMs, signal);
      owedMs = 0;
    } else if (signal?.aborted) {
      throw signal.reason;
    }
    if (plan.failAtPercent !== undefined && percent >= plan.failAtPercent) throw new FaultReached(percent);
    request.percentComplete = percent;
    request.estimatedCompletionTime = Math.round(stepMs * (100 - percent));
    plan.onPercent?.(percent);
    if (plan.stats && percent % plan.stats === 0) yield { type: 'message', message: m.percentProcessed(percent) };
  }
}
