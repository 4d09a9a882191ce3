// Timings of the operation engine. Defaults suit Azure; tests shrink them.
export interface OpsSettings {
  /** the work queue's name */
  queueName: string;
  /** the table holding operations and their audit rows */
  operationsTable: string;
  locksTable: string;
  duplicatesTable: string;
  /** a worker owns an operation this long after claiming it; a dead worker's claim expires */
  leaseMs: number;
  /** a target lock lasts this long unless renewed at the next step */
  lockTtlMs: number;
  /** how long an operation waits before asking for a busy target's lock again */
  lockRetryMs: number;
  /** transient step failures: tries in all, and the backoff between them */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** a worker stops running steps after this long and re-queues the operation */
  invocationBudgetMs: number;
  /** the sweeper revives an operation that should have run this long ago and did not */
  sweepGraceMs: number;
  /** a queue message's delay cannot exceed this (Azure: 7 days); longer waits are chained */
  maxVisibilityDelayMs: number;
  /** the Functions host's maxDequeueCount (host.json): the last delivery fails the operation */
  maxDequeueCount: number;
  /** a playbook's cleanup step may run this long past a cancel or the deadline */
  cleanupGraceMs: number;
}

export const defaultOpsSettings: OpsSettings = {
  queueName: 'operations',
  operationsTable: 'operations',
  locksTable: 'locks',
  duplicatesTable: 'duplicates',
  leaseMs: 5 * 60_000,
  lockTtlMs: 15 * 60_000,
  lockRetryMs: 15_000,
  maxAttempts: 5,
  backoffBaseMs: 2_000,
  backoffMaxMs: 60_000,
  invocationBudgetMs: 60_000,
  sweepGraceMs: 5 * 60_000,
  maxVisibilityDelayMs: 6 * 24 * 3600_000,
  maxDequeueCount: 5,
  cleanupGraceMs: 30 * 60_000,
};
