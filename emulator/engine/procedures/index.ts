// Finding a system procedure by its (possibly qualified) name and binding a call's arguments to
// its parameters, with SQL Server's errors for unknown procedures and parameters.
import type { ObjectName } from '../../sql/ast';
import { SqlError } from '../../sqlError';
import type { SqlValue } from '../../tds/types';
import { AGENT_PROCEDURES } from './agent';
import type { ProcedureDef } from './types';

const PROCEDURES = new Map<string, ProcedureDef>(AGENT_PROCEDURES.map((p) => [p.name.toLowerCase(), p]));

/** the name as the caller wrote it: 'sp_x', 'dbo.sp_x', 'msdb..sp_x', 'msdb.dbo.sp_x' */
export function formatProcName(name: ObjectName): string {
  const parts = [name.server, name.database, name.schema, name.name];
  const first = parts.findIndex((p) => p !== undefined);
  return parts.slice(first).map((p) => p ?? '').join('.');
}

export function procedureNotFound(name: ObjectName): SqlError {
  return new SqlError(2812, 62, 16, `Could not find stored procedure '${formatProcName(name)}'.`);
}

/** the procedure `name` calls from a session in `currentDatabase`, or undefined */
export function findProcedure(name: ObjectName, currentDatabase: string): ProcedureDef | undefined {
  const def = PROCEDURES.get(name.name.toLowerCase());
  if (!def) return undefined;
  const schema = name.schema?.toLowerCase();
  if (schema !== undefined && schema !== '' && schema !== 'dbo' && schema !== 'sys') return undefined;
  const database = (name.database ?? currentDatabase).toLowerCase();
  if (def.database && def.database !== database) return undefined;
  return def;
}

export interface CallArgument {
  /** with the @, when passed by name */
  name?: string;
  value: SqlValue;
  output: boolean;
}

/** binds positional then named arguments: 8144/8145 for extra or unknown ones, 201 for missing required ones */
export function bindArguments(def: ProcedureDef, args: CallArgument[]): Map<string, SqlValue> {
  const bound = new Map<string, SqlValue>();
  let sawNamed = false;
  args.forEach((arg, i) => {
    if (arg.name) {
      sawNamed = true;
      const key = arg.name.toLowerCase();
      if (!def.params.includes(key)) {
        throw new SqlError(8145, 2, 16, `${arg.name} is not a parameter for procedure ${def.name}.`);
      }
      bound.set(key, arg.value);
      return;
    }
    if (sawNamed) {
      throw new SqlError(119, 1, 15, `Must pass parameter number ${i + 1} and subsequent parameters as '@name = value'. After the form '@name = value' has been used, all subsequent parameters must be passed in the form '@name = value'.`);
    }
    if (i >= def.params.length) throw new SqlError(8144, 2, 16, `Procedure or function ${def.name} has too many arguments specified.`);
    bound.set(def.params[i], arg.value);
  });
  for (const required of def.required) {
    if (!bound.has(required) || bound.get(required) === undefined) {
      throw new SqlError(201, 4, 16, `Procedure or function '${def.name}' expects parameter '${required}', which was not supplied.`);
    }
  }
  return bound;
}

/** the parameter an argument binds to (for OUTPUT arguments) */
export function parameterOf(def: ProcedureDef, args: CallArgument[], index: number): string | undefined {
  const arg = args[index];
  return arg.name ? arg.name.toLowerCase() : def.params[index];
}
