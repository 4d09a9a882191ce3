// Timings of the operation engine. Defaults suit Azure; tests shrink them.
export interface OpsSettings {
  /** the work queue's name */
  queueName: string;
  /** the table holding operations, their audit rows and unpublished events */
  operationsTable: string;
  /** the table holding the open and recent indexes */
  indexTable: string;
  locksTable: string;
  duplicatesTable: string;
  /** a worker owns an operation this long after claiming it, renewed while a step runs */
  leaseMs: number;
  /**
   * after a lease ends, another worker waits this long more before taking the operation over;
   * lease + grace must exceed the host's functionTimeout, so that a step cut off by the timeout
   * (its worker killed before it could save) can never still be running when another starts
   */
  leaseGraceMs: number;
  /** locks last this long unless renewed while steps run */
  lockTtlMs: number;
  /** how long an operation waits before asking for a busy lock again */
  lockRetryMs: number;
  /** transient step failures: tries in all, and the backoff between them */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** a worker stops starting steps after this long and re-queues the operation */
  invocationBudgetMs: number;
  /** the sweeper revives an operation that should have run this long ago and did not */
  sweepGraceMs: number;
  /** a queue message's delay cannot exceed this (Azure: 7 days); longer waits are chained */
  maxVisibilityDelayMs: number;
  /** the Functions host's maxDequeueCount (host.json): the last delivery ends the operation */
  maxDequeueCount: number;
  /** a playbook's cleanup step may run this long past the moment the operation began to end */
  cleanupGraceMs: number;
  /** an approval nobody gives or refuses within this ends the operation APPROVAL_EXPIRED */
  approvalTimeoutMs: number;
}

export const defaultOpsSettings: OpsSettings = {
  queueName: 'operations',
  operationsTable: 'operations',
  indexTable: 'operationindex',
  locksTable: 'locks',
  duplicatesTable: 'duplicates',
  leaseMs: 4 * 60_000,
  leaseGraceMs: 2 * 60_000,
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
  approvalTimeoutMs: 4 * 3600_000,
};
