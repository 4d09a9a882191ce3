// Long-running operations as ARM runs them: accepted with 201/202, then they proceed on their own in
// simulated time. An operation's work runs once its duration has passed on the backend's clock,
// whether or not anyone polls: a client that re-reads the resource sees it finish too. Settled by
// the emulator on every request, on the link ticker and on a timer of its own. Checks that can fail
// synchronously are the handlers' job, at request time; what the work finds when it runs (the link
// cut meanwhile) fails the operation.
import { randomUUID } from 'node:crypto';
import { ArmHttpError } from './errors';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

/** simulated ms an operation takes unless the emulator is told otherwise */
export const DEFAULT_OPERATION_MS = 1_000;

export interface OperationSpec {
  /** e.g. distributedAvailabilityGroups, managedDatabase: names the operation URLs */
  family: string;
  /** what it does (failover, setRole, update, delete, create ...): for "already in progress" checks */
  kind: string;
  /** the ARM id of the resource it acts on */
  target: string;
  /** the work, once the duration has passed; returns the final resource body (undefined = none: 204 on the Location URL) */
  run: () => unknown;
  /** checked once due, before the work: InProgress while false; throwing ArmHttpError fails the operation */
  until?: () => boolean;
  /** simulated ms from acceptance to the work (default: the store's) */
  durationMs?: number;
}

export interface ArmOperation {
  id: string;
  family: string;
  kind: string;
  target: string;
  status: OperationStatus;
  startTime: Date;
  /** when the work runs (simulated time) */
  dueAt: Date;
  endTime?: Date;
  error?: { code: string; message: string; status: number };
  result?: unknown;
}

interface Pending {
  op: ArmOperation;
  run: () => unknown;
  until?: () => boolean;
}

export class OperationStore {
  private readonly ops = new Map<string, ArmOperation>();
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly now: () => Date,
    /** simulated ms between acceptance and the work (0: the work runs when the request is accepted) */
    public durationMs = DEFAULT_OPERATION_MS,
  ) {}

  start(spec: OperationSpec): ArmOperation {
    const startTime = this.now();
    const op: ArmOperation = {
      id: randomUUID(),
      family: spec.family,
      kind: spec.kind,
      target: spec.target.toLowerCase(),
      status: 'InProgress',
      startTime,
      dueAt: new Date(startTime.getTime() + Math.max(0, spec.durationMs ?? this.durationMs)),
    };
    this.ops.set(op.id, op);
    this.pending.set(op.id, { op, run: spec.run, until: spec.until });
    this.settle();
    return op;
  }

  get(id: string): ArmOperation | undefined {
    return this.ops.get(id.toLowerCase()) ?? [...this.ops.values()].find((o) => o.id.toLowerCase() === id.toLowerCase());
  }

  /** the operation of one of `kinds` still running on `target`, if any */
  running(target: string, kinds: readonly string[]): ArmOperation | undefined {
    const t = target.toLowerCase();
    for (const p of this.pending.values()) if (p.op.target === t && kinds.includes(p.op.kind)) return p.op;
    return undefined;
  }

  /** runs the work of every operation whose time has come, in the order they were accepted */
  settle(): void {
    const now = this.now();
    for (const p of [...this.pending.values()]) {
      if (p.op.dueAt.getTime() > now.getTime()) continue;
      this.finish(p);
    }
  }

  private finish(p: Pending): void {
    const op = p.op;
    try {
      if (p.until && !p.until()) return;
      // no longer running while its work runs: the final body says what is, not "in progress"
      this.pending.delete(op.id);
      op.result = p.run();
      op.status = 'Succeeded';
    } catch (e) {
      op.status = 'Failed';
      op.error =
        e instanceof ArmHttpError
          ? { code: e.code, message: e.message, status: e.status }
          : { code: 'InternalServerError', message: e instanceof Error ? e.message : String(e), status: 500 };
    }
    op.endTime = this.now();
    this.pending.delete(op.id);
  }
}
