// The operation engine's vocabulary: what an operation is, what a step returns, what a playbook is.
import type { ErrorCode, ErrorInfo } from '../errors';

export type OperationState = 'pending' | 'running' | 'waiting' | 'awaiting-approval' | 'succeeded' | 'failed' | 'cancelled';

export const OPEN_STATES: readonly OperationState[] = ['pending', 'running', 'waiting', 'awaiting-approval'];
export const TERMINAL_STATES: ReadonlySet<OperationState> = new Set(['succeeded', 'failed', 'cancelled']);

export function isTerminal(state: OperationState): boolean {
  return TERMINAL_STATES.has(state);
}

export interface Progress {
  percent: number;
  message: string;
  at: string;
}

/** Who decided: the platform's authenticated principal, or a name the caller typed. */
export interface Decider {
  name: string;
  /** the principal's object id, when the platform authenticated the caller */
  id?: string;
  /** the identity provider that authenticated it (aad, github, …) */
  provider?: string;
  /** true when nobody authenticated the caller: the name is only what the request body said */
  selfDeclared: boolean;
}

/** How an approver appears in the audit trail: a platform principal, or a name the caller typed. */
export function describeDecider(d: Decider): string {
  return d.selfDeclared ? `${d.name} (self-declared)` : d.name;
}

export interface ApprovalRequest {
  prompt: string;
  requestedAt: string;
  /** nobody decided by then: the operation ends APPROVAL_EXPIRED */
  expiresAt?: string;
  decision?: 'approved' | 'rejected';
  decidedBy?: string;
  decidedById?: string;
  decidedVia?: 'principal' | 'self-declared';
  decidedAt?: string;
  comment?: string;
}

export interface CancelRequest {
  by: string;
  reason: string;
  at: string;
}

/**
 * An operation on its way out through its playbook's cleanup step: how it will end, and the error
 * it will end with. The cleanup runs once; then the operation ends with this error and what the
 * cleanup reported.
 */
export interface Cleanup {
  ending: 'cancelled' | 'failed';
  error: ErrorInfo;
  /** the step the operation had reached */
  fromStep: string;
  /** the cleanup may run (past the deadline) until then; after that the operation just ends */
  until: string;
}

/** A persisted operation: one long job, advanced in small idempotent steps. */
export interface OperationRecord {
  id: string;
  kind: string;
  /** what the operation acts on, e.g. "sql-dev/SalesCopy"; one running operation per target */
  targetKey: string;
  /** every lock the operation holds while it runs, the target's included, in the order they are taken */
  lockKeys: string[];
  state: OperationState;
  /** the step to run next (or running now) */
  step: string;
  /** the playbook's own state between steps (JSON; checked by the playbook's state schema) */
  stepState: unknown;
  /** what the operation was asked to do (JSON; checked by the playbook's input schema) */
  input: unknown;
  output?: unknown;
  error?: ErrorInfo;
  /** how many times the current step has been started (2+ means a re-run after a crash or retry) */
  attempt: number;
  /** increases by one per saved change; audit rows and outcome events are keyed by it */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** when a worker first ran it (absent: it has done nothing yet) */
  startedAt?: string;
  deadline: string;
  /** when a waiting operation should run again */
  nextRunAt?: string;
  waitReason?: string;
  /** named conditions whose signal (engine.notify) wakes the waiting operation at once, e.g. "restore-backups:sql-dev/sales" */
  waitingOn?: string[];
  leaseOwner?: string;
  leaseUntil?: string;
  /** only a queue message carrying this token may advance the operation; older ones are stale */
  messageToken: string;
  /** the locks are held (by this operation) until then; renewed while steps run */
  lockUntil?: string;
  cancelRequested?: CancelRequest;
  cleanup?: Cleanup;
  approval?: ApprovalRequest;
  progress?: Progress;
  idempotencyKey?: string;
  /** the operation this one retries */
  retryOf?: string;
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
export type StepResult<S = unknown> =
  | { type: 'next'; step: string; state?: S }
  | {
      type: 'wait';
      ms: number;
      reason: string;
      state?: S;
      /** run this step next after the wait (default: the same step) */
      step?: string;
      /** named conditions that end the wait early when signalled (engine.notify); `ms` stays the safety net */
      on?: string[];
    }
  | { type: 'awaitApproval'; prompt: string; step: string; state?: S; /** default: the engine's approvalTimeoutMs */ expiresInMs?: number }
  | { type: 'succeed'; output?: unknown }
  /** the operation fails: the playbook's cleanup step runs first (with `state` saved for it), once */
  | { type: 'fail'; code: ErrorCode; message: string; state?: S }
  /** only from a cleanup step: what it undid, appended to the ending error */
  | { type: 'cleanedUp'; report: string };

export const next = <S>(step: string, state?: S): StepResult<S> => ({ type: 'next', step, state });
export const wait = <S>(ms: number, reason: string, state?: S, step?: string): StepResult<S> => ({ type: 'wait', ms, reason, state, step });
/** waits for a named condition (woken at once by engine.notify), looking again after `ms` at the latest */
export const waitOn = <S>(on: string[], ms: number, reason: string, state?: S, step?: string): StepResult<S> => ({ type: 'wait', ms, reason, state, step, on });
export const awaitApproval = <S>(prompt: string, step: string, state?: S, expiresInMs?: number): StepResult<S> => ({ type: 'awaitApproval', prompt, step, state, expiresInMs });
export const succeed = <S = never>(output?: unknown): StepResult<S> => ({ type: 'succeed', output });
export const fail = <S = never>(code: ErrorCode, message: string, state?: S): StepResult<S> => ({ type: 'fail', code, message, state });
export const cleanedUp = <S = never>(report: string): StepResult<S> => ({ type: 'cleanedUp', report });

export interface StepContext<I = unknown, S = unknown> {
  readonly operation: Readonly<OperationRecord>;
  readonly input: I;
  /** undefined before the first step saved any */
  readonly stepState: S | undefined;
  /** 1 on the first run of this step; more after a crash or a transient failure: look before acting */
  readonly attempt: number;
  readonly now: Date;
  /** set while the playbook's cleanup step runs: why the operation is ending */
  readonly ending?: Readonly<Cleanup>;
  /** Records progress on the operation (and publishes a progress event). */
  progress(percent: number, message: string): Promise<void>;
  log(message: string): void;
}

/** The message on the work queue: it names an operation and carries the token that makes it current. */
export interface WorkMessage {
  operationId: string;
  token: string;
}
