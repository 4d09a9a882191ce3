// Simulated time for a running BACKUP or RESTORE: the engine's long-request loop
// (emulator/engine/progress.ts) moves percent_complete in sys.dm_exec_requests; this adds the
// STATS = n messages (3211) as it crosses each n percent.
import type { ActiveRequest } from '../engine/model';
import { runRequest, type ProgressPlan as RequestPlan } from '../engine/progress';
import type { RequestOutput } from '../tds/types';
import type { BackupHost } from './host';
import { m } from './messages';

export { FaultReached } from '../engine/progress';

export interface ProgressPlan extends RequestPlan {
  /** STATS = n: a 3211 message every n percent */
  stats?: number;
  /** called after each percent step (e.g. the managed instance's coarse dm_operation_status) */
  onPercent?: (percent: number) => void;
}

/**
 * Shows `request` in sys.dm_exec_requests and advances it from 0 to 100 percent over
 * `plan.totalMs`; yields the STATS messages. `signal` stops it (see runRequest).
 */
export async function* runProgress(
  host: BackupHost,
  request: ActiveRequest,
  plan: ProgressPlan,
  signal?: AbortSignal,
): AsyncGenerator<RequestOutput, void> {
  for await (const percent of runRequest(host, request, plan, signal)) {
    plan.onPercent?.(percent);
    if (plan.stats && percent % plan.stats === 0) yield { type: 'message', message: m.percentProcessed(percent) };
  }
}
