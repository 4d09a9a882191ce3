// How an error changes the flow of a batch, as SQL Server does without TRY/CATCH: most errors end
// the statement and the batch goes on; name resolution, conversion, deadlock and THROW errors end
// the batch; XACT_ABORT ON makes every error end it; severity 20+ ends the connection.
import { SqlError } from '../../sqlError';
import type { RequestOutput } from '../../tds/types';

/** ends the rest of the batch (and of the batches that called it through EXEC / sp_executesql) */
export class BatchAborted extends Error {
  constructor(readonly error: SqlError) {
    super(error.message);
    this.name = 'BatchAborted';
  }
}

/** a SqlError that ends the batch whatever XACT_ABORT says (THROW, injected transient errors) */
export class BatchAbortingError extends SqlError {}

const BATCH_ABORTING = new Set([
  137, // must declare the scalar variable
  206, // operand type clash (a compile error: also a plaintext value for an Always Encrypted column)
  207, // invalid column name
  208, // invalid object name
  209, // ambiguous column name
  241, // conversion failed (date/time)
  245, // conversion failed
  266, // transaction count mismatch
  1205, // deadlock victim
  4104, // multi-part identifier could not be bound
  8114, // error converting data type
  8115, // arithmetic overflow
  8134, // divide by zero (ANSI_WARNINGS ON with ARITHABORT ON)
  33299, // Always Encrypted scheme mismatch (compile time)
]);

export function abortsBatch(error: SqlError, xactAbort: boolean): boolean {
  if (error instanceof BatchAbortingError) return true;
  if (BATCH_ABORTING.has(error.number)) return true;
  return xactAbort && error.severity >= 11;
}

export function endsConnection(error: SqlError): boolean {
  return error.severity >= 20;
}

/** the messages a failed statement sends: what SQL Server reports before it, the error, DONE(error) */
export function errorOutputs(error: SqlError, lineNumber: number): RequestOutput[] {
  return [
    ...error.preceding.map<RequestOutput>((m) => ({ type: 'message', message: { ...m, lineNumber: m.lineNumber ?? lineNumber } })),
    { type: 'message', message: error.toMessage(lineNumber) },
    { type: 'statementDone', error: true },
  ];
}

/** a non-SQL failure inside the emulator, reported the way SQL Server reports an internal error */
export function internalError(e: unknown): SqlError {
  const detail = e instanceof Error ? e.message : String(e);
  return new SqlError(50000, 1, 16, `The emulated engine failed: ${detail}`);
}

export function toSqlError(e: unknown): SqlError {
  return e instanceof SqlError ? e : internalError(e);
}
