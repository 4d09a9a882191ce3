// The static type of an expression, worked out from the tables, variables and function signatures
// before any row is read: it types result columns (also of empty results) and decides how
// operators and CASE branches convert.
import { SqlError } from '../sqlError';
import type { Expr } from './ast';
import { arithmeticType, unaryType, type ArithmeticOp } from './arithmetic';
import { undeclaredVariable, unknownFunction, wrongArgumentCount } from './errors';
import { aggregateType, isAggregate } from './builtins/aggregates';
import { builtInFunction, engineFunctionType } from './builtins';
import { resolveColumn, type Evaluator, type Scope } from './scope';
import { someExpr } from './exprChildren';
import { bindQuery, hasAggregate } from './select';
import {
  BIT,
  decimalLiteralType,
  higherType,
  INT,
  nvarchar,
  typeFromRef,
  typeOfValue,
  varchar,
  type TypeInfo,
} from './sqlTypes';

const GLOBAL_TYPES: Record<string, TypeInfo> = {
  VERSION: nvarchar(300),
  SERVERNAME: nvarchar(128),
  SERVICENAME: nvarchar(128),
  LANGUAGE: nvarchar(128),
  SPID: INT,
  ROWCOUNT: INT,
  TRANCOUNT: INT,
  ERROR: INT,
  DATEFIRST: INT,
  LOCK_TIMEOUT: INT,
  MAX_PRECISION: INT,
  NESTLEVEL: INT,
  OPTIONS: INT,
  TEXTSIZE: INT,
  PROCID: INT,
  FETCH_STATUS: INT,
  IDENTITY: { type: 'decimal', precision: 38, scale: 0 },
};

/** the functions whose first argument is a date part keyword, not a column */
export function isDatePartFunction(name: string): boolean {
  return builtInFunction(name)?.datePart === true;
}

/** null literals without a type (NULL) do not take part in the result type of COALESCE/CASE */
export const isUntypedNull = (e: Expr): boolean => e.kind === 'literal' && e.value === null && e.sqlType === undefined;

export function mergeTypes(types: TypeInfo[]): TypeInfo {
  return types.reduce((a, b) => higherType(a, b));
}

export function typeOf(expr: Expr, ev: Evaluator, scope: Scope): TypeInfo {
  const cached = ev.types.get(expr);
  if (cached) return cached;
  const t = computeType(expr, ev, scope);
  ev.types.set(expr, t);
  return t;
}

export function checkArity(name: string, count: number, [min, max]: [number, number]): void {
  if (count >= min && count <= max) return;
  if (min === max) throw wrongArgumentCount(name, String(min));
  if (max > 200) throw new SqlError(189, 1, 15, `The ${name.toLowerCase()} function requires ${min} to 254 arguments.`);
  throw new SqlError(189, 1, 15, `The ${name.toLowerCase()} function requires ${min} to ${max} arguments.`);
}

function computeType(expr: Expr, ev: Evaluator, scope: Scope): TypeInfo {
  switch (expr.kind) {
    case 'literal':
      return literalType(expr);
    case 'variable': {
      const v = ev.ctx.variables.get(expr.name.toLowerCase());
      if (!v) throw undeclaredVariable(expr.name);
      return typeFromRef(v.type);
    }
    case 'global': {
      const known = GLOBAL_TYPES[expr.name];
      const value = ev.ctx.global(expr.name);
      if (value === undefined) throw undeclaredVariable('@@' + expr.name);
      return known ?? typeOfValue(value);
    }
    case 'column':
      return resolveColumn(scope, expr).binding.type;
    case 'star':
      throw new SqlError(102, 1, 15, "Incorrect syntax near '*'.");
    case 'call':
      return callType(expr, ev, scope);
    case 'unary':
      if (expr.op === 'NOT') return predicate([expr.operand], ev, scope);
      return unaryType(expr.op, typeOf(expr.operand, ev, scope));
    case 'binary':
      if (['+', '-', '*', '/', '%', '&', '|', '^'].includes(expr.op))
        return arithmeticType(expr.op as ArithmeticOp, typeOf(expr.left, ev, scope), typeOf(expr.right, ev, scope));
      return predicate([expr.left, expr.right], ev, scope);
    case 'like':
      return predicate([expr.operand, expr.pattern, ...(expr.escape ? [expr.escape] : [])], ev, scope);
    case 'in':
      if (!Array.isArray(expr.list)) bindQuery(expr.list, ev, scope);
      return predicate([expr.operand, ...(Array.isArray(expr.list) ? expr.list : [])], ev, scope);
    case 'between':
      return predicate([expr.operand, expr.low, expr.high], ev, scope);
    case 'isNull':
      return predicate([expr.operand], ev, scope);
    case 'exists':
      bindQuery(expr.query, ev, scope);
      return BIT;
    case 'subquery': {
      const bound = bindQuery(expr.query, ev, scope);
      if (bound.columns.length !== 1)
        throw new SqlError(116, 1, 16, 'Only one expression can be specified in the select list when the subquery is not introduced with EXISTS.');
      return bound.columns[0].type;
    }
    case 'cast':
      return typeFromRef(expr.to);
    case 'case': {
      const branches = [...expr.whens.map((w) => w.then), ...(expr.else ? [expr.else] : [])];
      return branchType(branches, ev, scope);
    }
  }
}

function containsAggregateOrSubquery(e: Expr): boolean {
  return hasAggregate(e) || someExpr(e, (x) => x.kind === 'subquery' || x.kind === 'exists' || (x.kind === 'in' && !Array.isArray(x.list)));
}

/** a condition is typed bit once its operands resolve (unknown names fail before any row is read) */
function predicate(operands: Expr[], ev: Evaluator, scope: Scope): TypeInfo {
  operands.forEach((o) => typeOf(o, ev, scope));
  return BIT;
}

function branchType(branches: Expr[], ev: Evaluator, scope: Scope): TypeInfo {
  const typed = branches.filter((b) => !isUntypedNull(b));
  if (typed.length === 0) return INT;
  return mergeTypes(typed.map((b) => typeOf(b, ev, scope)));
}

export function literalType(expr: Extract<Expr, { kind: 'literal' }>): TypeInfo {
  const v = expr.value;
  switch (expr.sqlType) {
    case 'varchar':
      return varchar(Math.max(String(v ?? '').length, 1));
    case 'nvarchar':
      return nvarchar(Math.max(String(v ?? '').length, 1));
    case 'decimal':
      return decimalLiteralType(String(v));
    case 'varbinary':
      return { type: 'varbinary', length: Buffer.isBuffer(v) ? Math.max(v.length, 1) : 1 };
    case undefined:
      if (expr.unicode && typeof v === 'string') return nvarchar(Math.max(v.length, 1));
      return typeOfValue(v);
    default:
      return { type: expr.sqlType };
  }
}

function callType(expr: Extract<Expr, { kind: 'call' }>, ev: Evaluator, scope: Scope): TypeInfo {
  const { name, args } = expr;
  if (isAggregate(name)) {
    checkArity(name, args.length, name === 'STRING_AGG' ? [2, 2] : [1, 1]);
    if (name === 'STRING_AGG') {
      typeOf(args[1], ev, scope);
      expr.withinGroup?.forEach((o) => typeOf(o.expr, ev, scope));
    }
    if (containsAggregateOrSubquery(args[0]))
      throw new SqlError(130, 1, 16, 'Cannot perform an aggregate function on an expression containing an aggregate or a subquery.');
    return aggregateType(name, args[0].kind === 'star' ? INT : typeOf(args[0], ev, scope));
  }
  switch (name) {
    case 'ISNULL':
      checkArity(name, args.length, [2, 2]);
      return isUntypedNull(args[0]) ? typeOf(args[1], ev, scope) : typeOf(args[0], ev, scope);
    case 'NULLIF':
      checkArity(name, args.length, [2, 2]);
      return typeOf(args[0], ev, scope);
    case 'COALESCE':
      if (args.length < 2) throw new SqlError(189, 1, 15, 'The coalesce function requires 2 to 254 arguments.');
      return branchType(args, ev, scope);
    case 'IIF':
      checkArity(name, args.length, [3, 3]);
      return branchType(args.slice(1), ev, scope);
    case 'CHOOSE':
      if (args.length < 2) throw new SqlError(189, 1, 15, 'The choose function requires 2 to 254 arguments.');
      typeOf(args[0], ev, scope);
      return branchType(args.slice(1), ev, scope);
  }
  const fn = builtInFunction(name);
  if (fn) {
    checkArity(name, args.length, fn.arity);
    const types = args.map((a, i) => (fn.datePart && i === 0 ? varchar(30) : typeOf(a, ev, scope)));
    return fn.resultType(types, args);
  }
  if (!ev.ctx.callFunction) throw unknownFunction(name);
  args.forEach((a) => typeOf(a, ev, scope));
  return engineFunctionType(name);
}
