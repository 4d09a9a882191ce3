// The small statements: DECLARE, SET @v, SET <option>, PRINT, RAISERROR, THROW, WAITFOR and
// transaction statements, with SQL Server's error numbers for their misuse.
import type { Statement } from '../../sql/ast';
import { SqlError } from '../../sqlError';
import type { RequestOutput, SqlMessage } from '../../tds/types';
import type { ExecEnv } from './env';
import { BatchAbortingError } from './errors';
import { formatRaiserror } from './format';
import { asInt, asText, convertTo, evaluate } from './values';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

const key = (name: string): string => name.toLowerCase();

export function undeclared(name: string): SqlError {
  return new SqlError(137, 2, 15, `Must declare the scalar variable "${name}".`);
}

export function runDeclare(env: ExecEnv, stmt: Of<'declare'>): void {
  const language = env.session.services.language;
  for (const v of stmt.variables) {
    // scalar and table variables share one namespace
    if (env.tables.has(key(v.name))) {
      throw new SqlError(134, 1, 15, `The variable name '${v.name}' has already been declared. Variable names must be unique within a query batch or stored procedure.`);
    }
    if (language.declareVariable) {
      language.declareVariable(env.evalContext(), v.name, v.type, v.initial);
      continue;
    }
    if (env.variables.has(key(v.name))) {
      throw new SqlError(134, 1, 15, `The variable name '${v.name}' has already been declared. Variable names must be unique within a query batch or stored procedure.`);
    }
    const initial = v.initial ? convertTo(env, evaluate(env, v.initial), v.type) : null;
    env.variables.set(key(v.name), { type: v.type, value: initial });
  }
}

export function runSetVariable(env: ExecEnv, stmt: Of<'setVariable'>): void {
  const variable = env.variables.get(key(stmt.name));
  if (!variable) throw undeclared(stmt.name);
  const language = env.session.services.language;
  if (language.setVariable) {
    language.setVariable(env.evalContext(), stmt.name, stmt.op, stmt.value);
    return;
  }
  const value =
    stmt.op === '='
      ? evaluate(env, stmt.value)
      : evaluate(env, { kind: 'binary', op: stmt.op === '+=' ? '+' : '-', left: { kind: 'variable', name: stmt.name }, right: stmt.value });
  variable.value = convertTo(env, value, variable.type);
}

export function runSetOption(env: ExecEnv, stmt: Of<'setOption'>): void {
  env.session.options.set(stmt.option.toUpperCase(), stmt.value.toUpperCase());
}

export function printMessage(env: ExecEnv, stmt: Of<'print'>): SqlMessage {
  const text = asText(evaluate(env, stmt.value));
  return { number: 0, state: 1, class: 0, message: text.slice(0, 4000) };
}

/** RAISERROR: severity <= 10 is an INFO message; 11-19 an error the batch survives; 20+ WITH LOG ends the connection */
export function raiserror(env: ExecEnv, stmt: Of<'raiserror'>): { message: SqlMessage; setsError: boolean; endsConnection: boolean } {
  const withOptions = stmt.withOptions.map((o) => o.toUpperCase());
  const severityValue = asInt(evaluate(env, stmt.severity)) ?? 0;
  const stateValue = asInt(evaluate(env, stmt.state)) ?? 1;
  const severity = Math.min(25, Math.max(0, severityValue));
  const state = stateValue < 0 ? 1 : Math.min(255, stateValue);
  if (severity > 18 && !withOptions.includes('LOG')) {
    throw new SqlError(2754, 1, 16, 'Error severity levels greater than 18 can only be specified by members of the sysadmin role, using the WITH LOG option.');
  }
  if (severity > 18 && !env.session.login.sysadmin) {
    throw new SqlError(2754, 1, 16, 'Error severity levels greater than 18 can only be specified by members of the sysadmin role, using the WITH LOG option.');
  }
  const first = evaluate(env, stmt.message);
  const args = stmt.args.map((a) => evaluate(env, a));
  let number = 50000;
  let text: string;
  if (typeof first === 'number' || typeof first === 'bigint') {
    number = Number(first);
    if (number < 13000 || number === 50000) {
      throw new SqlError(2732, 1, 16, `Error number ${number} is invalid. The number must be from 13000 through 2147483647 and it cannot be 50000.`);
    }
    // no user-defined messages exist (sp_addmessage is not emulated)
    return {
      message: {
        number: 18054,
        state,
        class: Math.max(severity, 11),
        message: `Error ${number}, severity ${severity}, state ${state} was raised, but no message with that error number was found in sys.messages. If error is larger than 50000, make sure the user-defined message is added using sp_addmessage.`,
      },
      setsError: true,
      endsConnection: false,
    };
  } else {
    text = formatRaiserror(asText(first), args);
  }
  const info = severity <= 10;
  return {
    // severity 10 travels as class 0, as SQL Server sends it
    message: { number, state, class: info && severity === 10 ? 0 : severity, message: text.slice(0, 2047) },
    setsError: !info || withOptions.includes('SETERROR'),
    endsConnection: severity >= 20,
  };
}

/** THROW: always severity 16, always ends the batch (there is no CATCH block to land in) */
export function throwError(env: ExecEnv, stmt: Of<'throw'>): never {
  if (!stmt.number || !stmt.message || !stmt.state) {
    throw new SqlError(10704, 1, 15, 'To rethrow an error, a THROW statement must be used inside a CATCH block.');
  }
  const number = asInt(evaluate(env, stmt.number)) ?? 0;
  const message = asText(evaluate(env, stmt.message));
  const state = asInt(evaluate(env, stmt.state)) ?? 0;
  if (number < 50000) {
    throw new SqlError(35100, 10, 16, `Error number ${number} in the THROW statement is outside the valid range. Specify an error number in the valid range of 50000 to 2147483647.`);
  }
  if (state < 0 || state > 255) {
    throw new SqlError(35101, 1, 16, `State ${state} in the THROW statement is outside the valid range. Specify a state in the valid range of 0 to 255.`);
  }
  throw new BatchAbortingError(number, state, 16, message);
}

/** WAITFOR DELAY 'hh:mm[:ss[.mmm]]' or TIME 'hh:mm[:ss[.mmm]]': milliseconds to wait */
export function waitMilliseconds(env: ExecEnv, stmt: Of<'waitfor'>): number {
  const expr = stmt.delay ?? stmt.time;
  if (!expr) return 0;
  const value = evaluate(env, expr);
  let ms: number;
  if (value instanceof Date) {
    ms = value.getUTCHours() * 3600000 + value.getUTCMinutes() * 60000 + value.getUTCSeconds() * 1000 + value.getUTCMilliseconds();
  } else {
    const text = asText(value).trim();
    const m = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,3}))?)?$/.exec(text);
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) {
      throw new SqlError(148, 1, 15, `Incorrect time syntax in time string '${text}' used with WAITFOR.`);
    }
    ms = Number(m[1]) * 3600000 + Number(m[2]) * 60000 + Number(m[3] ?? 0) * 1000 + Number((m[4] ?? '0').padEnd(3, '0'));
  }
  if (stmt.delay) return ms;
  // TIME: until that time of day on the engine's clock (tomorrow if it has passed)
  const now = env.session.instance.now();
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let target = midnight + ms;
  if (target <= now.getTime()) target += 86400000;
  return target - now.getTime();
}

export function runTransaction(env: ExecEnv, stmt: Of<'transaction'>): void {
  const session = env.session;
  const error = transactionError(session.tranCount(), stmt.action);
  if (error) throw error;
  if (stmt.action === 'save' && stmt.name !== undefined) session.saveTransaction?.(stmt.name);
  // ROLLBACK TRANSACTION savepoint: undoes what came after it; @@TRANCOUNT stays
  if (stmt.action === 'rollback' && stmt.name !== undefined && session.rollbackToSavepoint?.(stmt.name)) return;
  session.setTranCount(nextTranCount(session.tranCount(), stmt.action), stmt.action === 'commit' ? 'commit' : 'rollback');
}

/** the error a transaction request gets with this @@TRANCOUNT, if any */
export function transactionError(tranCount: number, action: 'begin' | 'commit' | 'rollback' | 'save'): SqlError | undefined {
  if (tranCount > 0 || action === 'begin') return undefined;
  switch (action) {
    case 'commit':
      return new SqlError(3902, 1, 16, 'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.');
    case 'rollback':
      return new SqlError(3903, 1, 16, 'The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.');
    case 'save':
      return new SqlError(628, 0, 16, 'Cannot issue SAVE TRANSACTION when there is no active transaction.');
  }
}

export function nextTranCount(tranCount: number, action: 'begin' | 'commit' | 'rollback' | 'save'): number {
  switch (action) {
    case 'begin':
      return tranCount + 1;
    case 'commit':
      return Math.max(0, tranCount - 1);
    case 'rollback':
      return 0;
    case 'save':
      return tranCount;
  }
}

export const infoOutput = (message: SqlMessage): RequestOutput => ({ type: 'message', message });
