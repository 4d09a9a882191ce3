// Failure injection for one instance: switches the admin API and tests flip, read by the endpoint
// (connections, logins), the executor (per-statement faults), DBCC CHECKDB and backup/restore
// (BackupFaults).
import { SqlError } from '../sqlError';
import type { BackupFaults } from '../backup/host';

export type FaultSpec =
  /** refuse TCP connections and reset the open ones */
  | { kind: 'instanceDown' }
  /** every login fails with this error (18456 by default) */
  | { kind: 'refuseLogins'; errorNumber?: number; message?: string; severity?: number; state?: number }
  /** a running restore fails with 3013 once it reaches this percent */
  | { kind: 'restoreFailAtPercent'; percent: number }
  /** a running DBCC CHECKDB ends with consistency errors (8939, 8928) once it reaches this percent */
  | { kind: 'checkdbFailAtPercent'; percent: number }
  /** the next `count` statements fail with this error (40613 by default; 1205 = deadlock victim) */
  | { kind: 'transientErrors'; count: number; errorNumber?: number; message?: string; severity?: number; state?: number }
  /** the next `count` statements drop the connection instead of answering */
  | { kind: 'socketResets'; count: number }
  /** free space is 0: restores fail with 3257 */
  | { kind: 'diskFull' };

export type FaultKind = FaultSpec['kind'];
export const FAULT_KINDS: readonly FaultKind[] = [
  'instanceDown',
  'refuseLogins',
  'restoreFailAtPercent',
  'checkdbFailAtPercent',
  'transientErrors',
  'socketResets',
  'diskFull',
];

/** What the next statement suffers, if anything. */
export type StatementFault = { kind: 'error'; error: SqlError } | { kind: 'reset' };

export interface FaultContext {
  serverName: string;
  databaseName: string;
  spid: number;
}

/** texts of the errors tests usually inject, so a bare number gives SQL Server's wording */
function knownError(number: number, ctx: FaultContext): { message: string; severity: number; state: number } | undefined {
  switch (number) {
    case 40613:
      return {
        message: `Database '${ctx.databaseName}' on server '${ctx.serverName}' is not currently available. Please retry the connection later. If the problem persists, contact customer support, and provide them the session tracing ID of '00000000-0000-0000-0000-000000000000'.`,
        severity: 16,
        state: 1,
      };
    case 1205:
      return {
        message: `Transaction (Process ID ${ctx.spid}) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.`,
        severity: 13,
        state: 45,
      };
    case 40501:
      return { message: 'The service is currently busy. Retry the request after 10 seconds.', severity: 20, state: 1 };
    case 40197:
      return { message: 'The service has encountered an error processing your request. Please try again. Error code 4815.', severity: 20, state: 1 };
    case 18456:
      return { message: 'Login failed for user \'%USER%\'.', severity: 14, state: 1 };
    case 4060:
      return { message: 'Cannot open database "%DB%" requested by the login. The login failed.', severity: 11, state: 1 };
    default:
      return undefined;
  }
}

export class FaultSwitches {
  private readonly active = new Map<FaultKind, FaultSpec>();

  set(spec: FaultSpec): void {
    validateFault(spec);
    this.active.set(spec.kind, { ...spec });
  }

  remove(kind: FaultKind): boolean {
    return this.active.delete(kind);
  }

  clear(): void {
    this.active.clear();
  }

  list(): FaultSpec[] {
    return [...this.active.values()].map((f) => ({ ...f }));
  }

  isDown(): boolean {
    return this.active.has('instanceDown');
  }

  /** the error a login gets while logins are refused */
  loginError(userName: string, databaseName: string, ctx: Omit<FaultContext, 'databaseName'>): SqlError | undefined {
    const f = this.active.get('refuseLogins');
    if (f?.kind !== 'refuseLogins') return undefined;
    const number = f.errorNumber ?? 18456;
    const known = knownError(number, { ...ctx, databaseName });
    const text = (f.message ?? known?.message ?? `Login failed for user '${userName}'.`)
      .replace('%USER%', userName)
      .replace('%DB%', databaseName);
    return new SqlError(number, f.state ?? known?.state ?? 1, f.severity ?? known?.severity ?? 14, text);
  }

  /** consumes one injected statement fault, if any is pending (resets first: they are the harsher) */
  nextStatementFault(ctx: FaultContext): StatementFault | undefined {
    const reset = this.active.get('socketResets');
    if (reset?.kind === 'socketResets' && reset.count > 0) {
      reset.count -= 1;
      if (reset.count === 0) this.active.delete('socketResets');
      return { kind: 'reset' };
    }
    const transient = this.active.get('transientErrors');
    if (transient?.kind === 'transientErrors' && transient.count > 0) {
      transient.count -= 1;
      if (transient.count === 0) this.active.delete('transientErrors');
      const number = transient.errorNumber ?? 40613;
      const known = knownError(number, ctx);
      return {
        kind: 'error',
        error: new SqlError(
          number,
          transient.state ?? known?.state ?? 1,
          transient.severity ?? known?.severity ?? 16,
          transient.message ?? known?.message ?? `Injected error ${number}.`,
        ),
      };
    }
    return undefined;
  }

  /** the percent at which a running DBCC CHECKDB finds corruption, if that fault is on */
  checkdbFailAtPercent(): number | undefined {
    const fail = this.active.get('checkdbFailAtPercent');
    return fail?.kind === 'checkdbFailAtPercent' ? fail.percent : undefined;
  }

  backupFaults(): BackupFaults {
    const fail = this.active.get('restoreFailAtPercent');
    return {
      restoreFailAtPercent: fail?.kind === 'restoreFailAtPercent' ? fail.percent : undefined,
      diskFull: this.active.has('diskFull'),
    };
  }
}

/** Checks a fault that came from JSON; throws a RangeError naming the bad field. */
export function validateFault(value: unknown): asserts value is FaultSpec {
  if (typeof value !== 'object' || value === null) throw new RangeError('a fault must be a JSON object with a "kind"');
  const f = value as Record<string, unknown>;
  if (typeof f.kind !== 'string' || !FAULT_KINDS.includes(f.kind as FaultKind)) {
    throw new RangeError(`fault "kind" must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const positiveInt = (field: string): void => {
    const v = f[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${f.kind}: "${field}" must be an integer >= 1`);
  };
  const optionalInt = (field: string, min: number, max: number): void => {
    const v = f[field];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`${f.kind}: "${field}" must be an integer from ${min} to ${max}`);
    }
  };
  const optionalString = (field: string): void => {
    if (f[field] !== undefined && typeof f[field] !== 'string') throw new RangeError(`${f.kind}: "${field}" must be a string`);
  };
  switch (f.kind) {
    case 'restoreFailAtPercent':
    case 'checkdbFailAtPercent': {
      const p = f.percent;
      if (typeof p !== 'number' || !(p >= 0 && p <= 100)) throw new RangeError(`${f.kind}: "percent" must be a number from 0 to 100`);
      break;
    }
    case 'transientErrors':
      positiveInt('count');
      optionalInt('errorNumber', 1, 2147483647);
      optionalInt('severity', 11, 25);
      optionalInt('state', 0, 255);
      optionalString('message');
      break;
    case 'socketResets':
      positiveInt('count');
      break;
    case 'refuseLogins':
      optionalInt('errorNumber', 1, 2147483647);
      optionalInt('severity', 11, 25);
      optionalInt('state', 0, 255);
      optionalString('message');
      break;
    default:
      break;
  }
}
