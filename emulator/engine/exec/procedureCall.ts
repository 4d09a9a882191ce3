// EXEC of a procedure: sp_executesql (a nested batch with typed parameters and OUTPUT values) and
// the system procedures of procedures/, with arguments bound and OUTPUT parameters written back.
import type { Expr, Statement, TypeRef } from '../../sql/ast';
import type { Variable } from '../../sql/context';
import { SqlError } from '../../sqlError';
import { accessError, databaseNotFound } from '../access';
import type { RequestOutput, SqlValue } from '../../tds/types';
import { bindArguments, findProcedure, parameterOf, procedureNotFound, type CallArgument } from '../procedures';
import type { ExecEnv } from './env';
import { undeclared } from './control';
import { asText, convertTo, evaluate } from './values';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;
export type NestedRunner = (env: ExecEnv, sql: string, variables: Map<string, Variable>) => AsyncGenerator<RequestOutput, void>;

interface ArgExpr {
  name?: string;
  value: Expr;
  output: boolean;
}

function argValues(env: ExecEnv, args: ArgExpr[]): CallArgument[] {
  return args.map((a) => ({ name: a.name, value: a.value.kind === 'variable' && a.output ? readVariable(env, a.value.name) : evaluate(env, a.value), output: a.output }));
}

function readVariable(env: ExecEnv, name: string): SqlValue {
  const v = env.variables.get(name.toLowerCase());
  if (!v) throw undeclared(name);
  return v.value;
}

function writeBack(env: ExecEnv, arg: ArgExpr, value: SqlValue): void {
  if (!arg.output || arg.value.kind !== 'variable') return;
  const v = env.variables.get(arg.value.name.toLowerCase());
  if (!v) throw undeclared(arg.value.name);
  v.value = convertTo(env, value, v.type);
}

/** runs `work` with the session in `database` (checked as USE checks it), then puts the session's database back */
async function* inDatabase(env: ExecEnv, database: string, work: () => AsyncGenerator<RequestOutput, void>): AsyncGenerator<RequestOutput, void> {
  const session = env.session;
  const db = session.instance.findDatabase(database);
  if (!db) throw databaseNotFound(database);
  const error = accessError(session.instance, db, session.spid);
  if (error) throw error;
  const before = session.currentDatabase();
  session.setCurrentDatabase(db.name);
  try {
    yield* work();
  } finally {
    if (session.instance.findDatabase(before)) session.setCurrentDatabase(before);
  }
}

/** EXEC proc ...: returns the value @@ERROR takes */
export async function* runExec(env: ExecEnv, stmt: Of<'exec'>, runNested: NestedRunner): AsyncGenerator<RequestOutput, number> {
  const session = env.session;
  if (stmt.procedure.name.toLowerCase() === 'sp_executesql' && (stmt.procedure.schema ?? 'sys').toLowerCase() === 'sys') {
    // db.sys.sp_executesql runs its statement in db (the nested batch puts the session's database back)
    const database = stmt.procedure.database;
    yield* execSql(env, stmt.args, database ? (e, sql, vars) => inDatabase(e, database, () => runNested(e, sql, vars)) : runNested);
    setReturn(env, stmt, session.lastError === 0 ? 0 : -6);
    return session.lastError;
  }
  const def = findProcedure(stmt.procedure, session.currentDatabase());
  if (!def) throw procedureNotFound(stmt.procedure);
  const args = argValues(env, stmt.args);
  const bound = bindArguments(def, args);
  const outputs = new Map<string, SqlValue>();
  const status = yield* def.run({ env, args: bound, outputs });
  stmt.args.forEach((arg, i) => {
    const param = parameterOf(def, args, i);
    if (param && outputs.has(param)) writeBack(env, arg, outputs.get(param) ?? null);
  });
  setReturn(env, stmt, status);
  yield { type: 'statementDone' };
  return 0;
}

function setReturn(env: ExecEnv, stmt: Of<'exec'>, status: number): void {
  if (!stmt.returnVariable) return;
  const v = env.variables.get(stmt.returnVariable.toLowerCase());
  if (!v) throw undeclared(stmt.returnVariable);
  v.value = convertTo(env, status, v.type);
}

export interface DeclaredParameter {
  name: string;
  type: TypeRef;
  output: boolean;
  defaultValue?: Expr;
}

/** splits sp_executesql's @params text ("@a int, @b nvarchar(10) OUTPUT") into typed parameters */
export function parseParameterDeclarations(env: ExecEnv, text: string): DeclaredParameter[] {
  const segments: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === ',') {
      segments.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim()) segments.push(current);
  return segments.map((segment) => {
    const output = /\s(OUT|OUTPUT)(\s+READONLY)?\s*$/i.test(segment);
    const cleaned = segment.replace(/\s(OUT|OUTPUT|READONLY)\b/gi, ' ');
    const parsed = env.session.services.language.parseBatch(`DECLARE ${cleaned}`);
    const decl = parsed.statements[0];
    if (parsed.statements.length !== 1 || decl.kind !== 'declare' || decl.variables.length !== 1) {
      throw new SqlError(102, 1, 15, `Incorrect syntax near '${segment.trim()}'.`);
    }
    const v = decl.variables[0];
    return { name: v.name, type: v.type, output, defaultValue: v.initial };
  });
}

async function* execSql(env: ExecEnv, args: ArgExpr[], runNested: NestedRunner): AsyncGenerator<RequestOutput, void> {
  if (args.length === 0) {
    throw new SqlError(201, 4, 16, "Procedure or function 'sp_executesql' expects parameter '@statement', which was not supplied.");
  }
  const [statementArg, paramsArg, ...rest] = args;
  const sql = asText(evaluate(env, statementArg.value));
  const declared = paramsArg ? parseParameterDeclarations(env, asText(evaluate(env, paramsArg.value))) : [];
  const variables = new Map<string, Variable>();
  for (const p of declared) {
    variables.set(p.name.toLowerCase(), { type: p.type, value: p.defaultValue ? convertTo(env, evaluate(env, p.defaultValue), p.type) : null });
  }
  const bindings: { param: DeclaredParameter; arg: ArgExpr }[] = [];
  rest.forEach((arg, i) => {
    const param = arg.name ? declared.find((p) => p.name.toLowerCase() === arg.name?.toLowerCase()) : declared[i];
    if (!param) {
      throw arg.name
        ? new SqlError(8145, 2, 16, `${arg.name} is not a parameter for procedure sp_executesql.`)
        : new SqlError(8144, 2, 16, 'Procedure or function sp_executesql has too many arguments specified.');
    }
    const value = arg.value.kind === 'variable' && arg.output ? readVariable(env, arg.value.name) : evaluate(env, arg.value);
    const target = variables.get(param.name.toLowerCase()) as Variable;
    target.value = convertTo(env, value, param.type);
    bindings.push({ param, arg });
  });
  for (const p of declared) {
    if (!p.defaultValue && !bindings.some((b) => b.param === p) && !p.output) {
      throw new SqlError(8178, 1, 16, `The parameterized query '(${declared.map((d) => d.name).join(', ')})' expects the parameter '${p.name}', which was not supplied.`);
    }
  }
  yield* runNested(env, sql, variables);
  for (const b of bindings) {
    if (b.param.output) writeBack(env, b.arg, variables.get(b.param.name.toLowerCase())?.value ?? null);
  }
}
