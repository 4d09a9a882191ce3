// Errors from SQL Server, as the app classifies them: the server's number, state and class, the
// errors that came before it in the same response (3201 before 3013), and whether a retry can
// help (REFERENCE.md 9.2, 9.3).
import { AppError } from '../errors';

/** Server error numbers Azure SQL and SQL Server document as transient. */
export const TRANSIENT_SQL_NUMBERS: ReadonlySet<number> = new Set([
  615, 926, 1205, 4060, 4221, 10928, 10929, 10936, 40197, 40501, 40613, 49918, 49919, 49920,
  // availability group role change in progress / database not accessible during failover
  976, 983, 35374,
]);

/** tedious codes for connection-level failures (a socket reset is 10053/10054 in Windows terms). */
export const TRANSIENT_DRIVER_CODES: ReadonlySet<string> = new Set(['ESOCKET', 'ETIMEOUT', 'ECONNRESET', 'ECONNCLOSED']);

export interface ServerMessage {
  number: number;
  state: number;
  class: number;
  message: string;
}

export class SqlFailure extends AppError {
  constructor(
    readonly instance: string,
    readonly number: number | undefined,
    readonly driverCode: string | undefined,
    message: string,
    readonly preceding: ServerMessage[],
    isTransient: boolean,
    readonly serverClass?: number,
  ) {
    super(number ? `SQL_${number}` : `SQL_${driverCode ?? 'ERROR'}`, message, { isTransient });
    this.name = 'SqlFailure';
  }

  /** All numbers in the response, the wrapper last (3201, 3013). */
  get numbers(): number[] {
    return [...this.preceding.map((p) => p.number), ...(this.number ? [this.number] : [])];
  }
}

type Raw = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v !== 0 ? v : undefined);

function readMessage(e: unknown): ServerMessage | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const r = e as Raw;
  const number = num(r.number);
  if (number === undefined) return undefined;
  return { number, state: Number(r.state ?? 0), class: Number(r.class ?? 0), message: String(r.message ?? '') };
}

/**
 * Turns whatever mssql/tedious threw into a SqlFailure. mssql reports the last server error with
 * earlier ones in `precedingErrors`; connection failures carry a code (ESOCKET, ETIMEOUT, ELOGIN)
 * and the original error in `originalError`.
 */
export function toSqlFailure(instance: string, err: unknown): SqlFailure {
  if (err instanceof SqlFailure) return err;
  const r = (typeof err === 'object' && err !== null ? err : {}) as Raw;
  const main = readMessage(r) ?? readMessage(r.originalError) ?? readMessage((r.originalError as Raw | undefined)?.info);
  const preceding = Array.isArray(r.precedingErrors) ? r.precedingErrors.map(readMessage).filter((x): x is ServerMessage => x !== undefined) : [];
  const code = typeof r.code === 'string' ? r.code : undefined;
  const text = err instanceof Error ? err.message : String(err);
  const transient =
    (main !== undefined && TRANSIENT_SQL_NUMBERS.has(main.number)) ||
    preceding.some((p) => TRANSIENT_SQL_NUMBERS.has(p.number)) ||
    (main === undefined && code !== undefined && TRANSIENT_DRIVER_CODES.has(code));
  const detail = preceding.length > 0 ? `${preceding.map((p) => `${p.message} (${p.number})`).join(' ')} ${text}` : text;
  const message = main ? `${instance}: ${detail} (error ${main.number}, state ${main.state}, class ${main.class})` : `${instance}: ${detail}${code ? ` (${code})` : ''}`;
  return new SqlFailure(instance, main?.number, code, message, preceding, transient, main?.class);
}
