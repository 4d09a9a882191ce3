// The operation engine's vocabulary: what an operation is, what a step returns, what a playbook is.
import type { ErrorInfo } from '../errors';

export type OperationState = 'pending' | 'running' | 'waiting' | 'awaiting-approval' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STATES: ReadonlySet<OperationState> = new Set(['succeeded', 'failed', 'cancelled']);

export function isTerminal(state: OperationState): boolean {
  return TERMINAL_STATES.has(state);
}

export interface Progress {
  percent: number;
  message: string;
  at: string;
}

export interface ApprovalRequest {
  prompt: string;
  requestedAt: string;
  decidedBy?: string;
  decision?: 'approved' | 'rejected';
  decidedAt?: string;
  comment?: string;
}

export interface CancelRequest {
  by: string;
  reason: string;
  at: string;
}

/** A persisted operation: one long job, advanced in small idempotent steps. */
export interface Cleanup {
  reason: 'cancelled' | 'deadline';
  /** the step the operation had reached */
  fromStep: string;
  /** the cleanup may run past the deadline until then; after that the operation just ends */
  until: string;
}

export interface OperationRecord {
  id: string;
  kind: string;
  /** what the operation acts on, e.g. "sql-dev/SalesCopy"; one running operation per target */
  targetKey: string;
  state: OperationState;
  /** the step to run next (or running now) */
  step: string;
  /** the playbook's own state between steps (JSON) */
  stepState: unknown;
  input: unknown;
  output?: unknown;
  error?: ErrorInfo;
  /** how many times the current step has been started (2+ means a re-run after a crash or retry) */
  attempt: number;
  /** increases by one per saved change; audit rows are keyed by it */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** when a worker first ran it (absent: it has done nothing yet) */
  startedAt?: string;
  deadline: string;
  /** when a waiting operation should run again */
  nextRunAt?: string;
  waitReason?: string;
  leaseOwner?: string;
  leaseUntil?: string;
  /** only a queue message carrying this token may advance the operation; older ones are stale */
  messageToken: string;
  /** the target lock is held (by this operation) until then; renewed as steps run */
  lockUntil?: string;
  cancelRequested?: CancelRequest;
  /** the playbook's cleanup step is running because the operation was cancelled or ran out of time */
  cleanup?: Cleanup;
  approval?: ApprovalRequest;
  progress?: Progress;
  idempotencyKey?: string;
  createdBy: string;
  /** storage ETag for compare-and-swap */
  etag: string;
}

export interface AuditEntry {
  operationId: string;
  sequence: number;
  at: string;
  actor: string;
  fromState?: OperationState;
  toState: OperationState;
  fromStep?: string;
  toStep: string;
  reason: string;
  error?: ErrorInfo;
}

/** What a step asks the engine to do next. */
export type StepResult =
  | { type: 'next'; step: string; state?: unknown }
  | { type: 'wait'; ms: number; reason: string; state?: unknown; /** run this step next after the wait (default: the same step) */ step?: string }
  | { type: 'awaitApproval'; prompt: string; step: string; state?: unknown }
  | { type: 'succeed'; output?: unknown }
  | { type: 'fail'; code: string; message: string };

export const next = (step: string, state?: unknown): StepResult => ({ type: 'next', step, state });
export const wait = (ms: number, reason: string, state?: unknown, step?: string): StepResult => ({ type: 'wait', ms, reason, state, step });
export const awaitApproval = (prompt: string, step: string, state?: unknown): StepResult => ({ type: 'awaitApproval', prompt, step, state });
export const succeed = (output?: unknown): StepResult => ({ type: 'succeed', output });
export const fail = (code: string, message: string): StepResult => ({ type: 'fail', code, message });

export interface StepContext {
  readonly operation: Readonly<OperationRecord>;
  readonly input: unknown;
  readonly stepState: unknown;
  /** 1 on the first run of this step; more after a crash or a transient failure: look before acting */
  readonly attempt: number;
  readonly now: Date;
  /** Records progress on the operation (and publishes a progress event). */
  progress(percent: number, message: string): Promise<void>;
  log(message: string): void;
}

export type StepHandler = (ctx: StepContext) => Promise<StepResult>;

export interface Playbook {
  kind: string;
  firstStep: string;
  steps: Record<string, StepHandler>;
  /** default time an operation of this kind may take, from creation */
  defaultDeadlineMs: number;
  /** transient failures of one step are retried this many times in all (default: engine setting) */
  maxAttempts?: number;
  /** hold the per-target lock while running (default true) */
  exclusive?: boolean;
  /**
   * The step that undoes unfinished work (a running server-side restore, a staging copy) when a
   * started operation is cancelled or passes its deadline. It runs once, like any step (it may
   * wait), past the deadline for up to the engine's cleanupGraceMs; then the operation ends
   * cancelled, or failed with DEADLINE_EXCEEDED, with what the cleanup said. Without one, the
   * operation ends at once.
   */
  cleanupStep?: string;
}

/** The message on the work queue: it names an operation and carries the token that makes it current. */
export interface WorkMessage {
  operationId: string;
  token: string;
}
