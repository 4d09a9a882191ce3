// Long-running operations as ARM runs them: accepted with 201/202, Azure-AsyncOperation and Location
// URLs, status bodies {name,status,startTime,endTime,error}. An operation runs its work after a
// number of polls (InProgress until then), so a client can be caught mid-way deterministically.
// An operation that tracks background work (LRS completion) also waits until its condition holds.
import { randomUUID } from 'node:crypto';
import { ArmHttpError } from './errors';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

export interface ArmOperation {
  id: string;
  /** e.g. distributedAvailabilityGroups, managedDatabase: names the operation URLs */
  family: string;
  status: OperationStatus;
  startTime: Date;
  endTime?: Date;
  error?: { code: string; message: string; status: number };
  pollsLeft: number;
  /** the work; returns the final resource body (undefined = 204 on the Location URL) */
  run: () => unknown;
  /** polled once the polls are used up: InProgress while false; throwing ArmHttpError fails the operation */
  until?: () => boolean;
  result?: unknown;
}

export class OperationStore {
  private readonly ops = new Map<string, ArmOperation>();

  constructor(
    private readonly now: () => Date,
    /** status polls that answer InProgress before the work runs */
    public pollsBeforeDone = 1,
  ) {}

  start(family: string, run: () => unknown, until?: () => boolean): ArmOperation {
    const op: ArmOperation = { id: randomUUID(), family, status: 'InProgress', startTime: this.now(), pollsLeft: this.pollsBeforeDone, run, until };
    this.ops.set(op.id, op);
    if (op.pollsLeft <= 0) this.finish(op);
    return op;
  }

  get(id: string): ArmOperation | undefined {
    return this.ops.get(id.toLowerCase()) ?? [...this.ops.values()].find((o) => o.id.toLowerCase() === id.toLowerCase());
  }

  /** one poll: answers InProgress while polls are left (or the condition does not hold yet), then runs the work once */
  poll(op: ArmOperation): ArmOperation {
    if (op.status !== 'InProgress') return op;
    if (op.pollsLeft > 0) {
      op.pollsLeft -= 1;
      return op;
    }
    this.finish(op);
    return op;
  }

  private finish(op: ArmOperation): void {
    try {
      if (op.until && !op.until()) return;
      op.result = op.run();
      op.status = 'Succeeded';
    } catch (e) {
      op.status = 'Failed';
      op.error =
        e instanceof ArmHttpError
          ? { code: e.code, message: e.message, status: e.status }
          : { code: 'InternalServerError', message: e instanceof Error ? e.message : String(e), status: 500 };
    }
    op.endTime = this.now();
  }
}
