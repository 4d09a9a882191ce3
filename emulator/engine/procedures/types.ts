// System stored procedures the engine implements: their parameters and how a call reaches them.
import type { RequestOutput, SqlValue } from '../../tds/types';
import type { ExecEnv } from '../exec/env';

export interface ProcedureCall {
  env: ExecEnv;
  /** bound arguments by parameter name (lower-case, with the @); absent = not supplied */
  args: Map<string, SqlValue>;
  /** OUTPUT parameters the procedure sets, by parameter name (lower-case, with the @) */
  outputs: Map<string, SqlValue>;
}

export interface ProcedureDef {
  /** as SQL Server spells it, e.g. sp_add_job */
  name: string;
  /** msdb procedures resolve only in msdb (msdb.dbo.sp_add_job, or a session in msdb) */
  database?: 'msdb';
  /** parameters in declaration order, with the @ */
  params: string[];
  required: string[];
  /** yields messages; returns the procedure's return status (0 = success) */
  run(call: ProcedureCall): AsyncGenerator<RequestOutput, number, void>;
}
