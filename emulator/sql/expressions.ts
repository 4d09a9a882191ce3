// Evaluating expressions against a frame (the current row, group and enclosing rows). Values come
// out as SqlValue; their SQL types come from typeOf, so operators convert the way SQL Server does.
// Predicates use three-valued logic: true, false or null (unknown).
import { SqlError } from '../sqlError';
import type { SqlValue } from '../tds/types';
import type { Expr } from './ast';
import { evaluateArithmetic, evaluateUnary, type ArithmeticOp } from './arithmetic';
import { compareValues } from './compare';
import { convertValue, isDisallowedConversion } from './convert';
import { subqueryTooManyRows, undeclaredVariable } from './errors';
import { aggregate, isAggregate } from './builtins/aggregates';
import { builtInFunction, callEngineFunction } from './builtins';
import { text } from './builtins/strings';
import { likeMatch } from './like';
import { frameAt, resolveColumn, type Evaluator, type Frame } from './scope';
import { runQuery } from './select';
import { INT, sameRepresentation, typeFromRef, type TypeInfo } from './sqlTypes';
import { checkArity, isUntypedNull, typeOf } from './typeOf';

export type Truth = boolean | null;

const typeIn = (expr: Expr, ev: Evaluator, frame: Frame): TypeInfo => typeOf(expr, ev, frame.scope);

export function evalExpr(expr: Expr, ev: Evaluator, frame: Frame): SqlValue {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'variable': {
      const v = ev.ctx.variables.get(expr.name.toLowerCase());
      if (!v) throw undeclaredVariable(expr.name);
      return v.value;
    }
    case 'global': {
      const value = ev.ctx.global(expr.name);
      if (value === undefined) throw undeclaredVariable('@@' + expr.name);
      return value;
    }
    case 'column': {
      let r = ev.columns.get(expr);
      if (!r) {
        r = resolveColumn(frame.scope, expr);
        ev.columns.set(expr, r);
      }
      return frameAt(frame, r.level).row[r.index] ?? null;
    }
    case 'star':
      throw new SqlError(102, 1, 15, "Incorrect syntax near '*'.");
    case 'call':
      return evalCall(expr, ev, frame);
    case 'unary':
      if (expr.op === 'NOT') return truthToBit(evalCondition(expr, ev, frame));
      return evaluateUnary(expr.op, evalExpr(expr.operand, ev, frame), typeIn(expr.operand, ev, frame));
    case 'binary':
      if (['+', '-', '*', '/', '%', '&', '|', '^'].includes(expr.op)) {
        const left = evalExpr(expr.left, ev, frame);
        const right = evalExpr(expr.right, ev, frame);
        return evaluateArithmetic(expr.op as ArithmeticOp, left, typeIn(expr.left, ev, frame), right, typeIn(expr.right, ev, frame));
      }
      return truthToBit(evalCondition(expr, ev, frame));
    case 'like':
    case 'in':
    case 'between':
    case 'isNull':
    case 'exists':
      return truthToBit(evalCondition(expr, ev, frame));
    case 'subquery': {
      typeIn(expr, ev, frame); // checks the single column (116)
      const result = runQuery(expr.query, ev, frame);
      if (result.rows.length > 1) throw subqueryTooManyRows();
      return result.rows.length === 0 ? null : result.rows[0][0];
    }
    case 'cast':
      return evalCast(expr, ev, frame);
    case 'case':
      return evalCase(expr, ev, frame);
  }
}

const truthToBit = (t: Truth): SqlValue => t;

/** a value in the static type of `target` (CASE/COALESCE branches, function results) */
function coerce(value: SqlValue, from: TypeInfo, to: TypeInfo): SqlValue {
  if (value === null || sameRepresentation(from, to)) return value;
  return convertValue(value, from, to, undefined, false);
}

function evalCast(expr: Extract<Expr, { kind: 'cast' }>, ev: Evaluator, frame: Frame): SqlValue {
  if (isUntypedNull(expr.operand)) return null; // CAST(NULL AS anything)
  const value = evalExpr(expr.operand, ev, frame);
  const from = typeIn(expr.operand, ev, frame);
  const to = typeFromRef(expr.to);
  const style = expr.style ? evalExpr(expr.style, ev, frame) : undefined;
  const styleNumber = style === undefined || style === null ? undefined : Number(style);
  if (expr.syntax === 'TRY_CAST' || expr.syntax === 'TRY_CONVERT') {
    try {
      return convertValue(value, from, to, styleNumber);
    } catch (e) {
      if (isDisallowedConversion(e) || !(e instanceof SqlError)) throw e;
      return null;
    }
  }
  return convertValue(value, from, to, styleNumber);
}

function evalCase(expr: Extract<Expr, { kind: 'case' }>, ev: Evaluator, frame: Frame): SqlValue {
  const resultType = typeIn(expr, ev, frame);
  const pick = (branch: Expr): SqlValue => coerce(evalExpr(branch, ev, frame), typeIn(branch, ev, frame), resultType);
  if (expr.operand) {
    const operand = evalExpr(expr.operand, ev, frame);
    const operandType = typeIn(expr.operand, ev, frame);
    for (const w of expr.whens) {
      if (compareValues(operand, operandType, evalExpr(w.when, ev, frame), typeIn(w.when, ev, frame)) === 0) return pick(w.then);
    }
  } else {
    for (const w of expr.whens) if (evalCondition(w.when, ev, frame) === true) return pick(w.then);
  }
  return expr.else ? pick(expr.else) : null;
}

function evalCall(expr: Extract<Expr, { kind: 'call' }>, ev: Evaluator, frame: Frame): SqlValue {
  const { name, args } = expr;
  const resultType = typeIn(expr, ev, frame); // also checks arity and argument types
  if (isAggregate(name)) return evalAggregate(expr, ev, frame);
  switch (name) {
    case 'ISNULL': {
      const first = evalExpr(args[0], ev, frame);
      if (first !== null) return coerce(first, typeIn(args[0], ev, frame), resultType);
      return coerce(evalExpr(args[1], ev, frame), typeIn(args[1], ev, frame), resultType);
    }
    case 'COALESCE':
      for (const a of args) {
        const v = evalExpr(a, ev, frame);
        if (v !== null) return coerce(v, typeIn(a, ev, frame), resultType);
      }
      return null;
    case 'NULLIF': {
      const a = evalExpr(args[0], ev, frame);
      const b = evalExpr(args[1], ev, frame);
      return compareValues(a, typeIn(args[0], ev, frame), b, typeIn(args[1], ev, frame)) === 0 ? null : a;
    }
    case 'IIF': {
      const branch = evalCondition(args[0], ev, frame) === true ? args[1] : args[2];
      return coerce(evalExpr(branch, ev, frame), typeIn(branch, ev, frame), resultType);
    }
    case 'CHOOSE': {
      const index = evalExpr(args[0], ev, frame);
      const n = index === null ? NaN : Math.trunc(Number(convertValue(index, typeIn(args[0], ev, frame), INT, undefined, false)));
      if (!(n >= 1 && n < args.length)) return null;
      return coerce(evalExpr(args[n], ev, frame), typeIn(args[n], ev, frame), resultType);
    }
  }
  const fn = builtInFunction(name);
  const values: SqlValue[] = [];
  const types: TypeInfo[] = [];
  args.forEach((a, i) => {
    if (fn?.datePart && i === 0) {
      if (a.kind !== 'column' || a.table !== undefined) {
        throw new SqlError(1023, 1, 15, `Invalid parameter 1 specified for ${name.toLowerCase()}.`);
      }
      values.push(a.name);
      types.push({ type: 'varchar', length: 30 });
      return;
    }
    values.push(evalExpr(a, ev, frame));
    types.push(typeIn(a, ev, frame));
  });
  const call = { ev, name, args: values, types };
  if (!fn) return callEngineFunction(call);
  checkArity(name, args.length, fn.arity);
  if (!fn.handlesNull && values.some((v) => v === null)) return null;
  return coerce(fn.evaluate(call), fn.resultType(types, args), resultType);
}

function evalAggregate(expr: Extract<Expr, { kind: 'call' }>, ev: Evaluator, frame: Frame): SqlValue {
  if (!frame.group) {
    throw new SqlError(
      147,
      1,
      15,
      'An aggregate may not appear in the WHERE clause unless it is in a subquery contained in a HAVING clause or a select list, and the column being aggregated is an outer reference.',
    );
  }
  const arg = expr.args[0];
  if (expr.name === 'STRING_AGG') return evalStringAgg(expr, ev, frame, frame.group);
  const argType = arg.kind === 'star' ? INT : typeIn(arg, ev, frame);
  const values = frame.group.map((row) => (arg.kind === 'star' ? 1 : evalExpr(arg, ev, { scope: frame.scope, row, parent: frame.parent })));
  return aggregate(expr.name, values, argType, expr.distinct === true);
}

/** STRING_AGG(value, separator) [WITHIN GROUP (ORDER BY ...)]: NULLs skipped, NULL for no values */
function evalStringAgg(expr: Extract<Expr, { kind: 'call' }>, ev: Evaluator, frame: Frame, group: SqlValue[][]): SqlValue {
  const [valueExpr, separatorExpr] = expr.args;
  const frames = group.map((row): Frame => ({ scope: frame.scope, row, parent: frame.parent }));
  const order = expr.withinGroup ?? [];
  const keyed = frames.map((f) => ({ f, keys: order.map((o) => evalExpr(o.expr, ev, f)) }));
  if (order.length > 0) {
    const types = order.map((o) => typeIn(o.expr, ev, frame));
    keyed.sort((a, b) => {
      for (let i = 0; i < order.length; i++) {
        const x = a.keys[i];
        const y = b.keys[i];
        const c = x === null || y === null ? (x === y ? 0 : x === null ? -1 : 1) : (compareValues(x, types[i], y, types[i]) ?? 0);
        if (c !== 0) return order[i].descending ? -c : c;
      }
      return 0;
    });
  }
  const valueType = typeIn(valueExpr, ev, frame);
  const separator = group.length > 0 ? evalExpr(separatorExpr, ev, frames[0]) : null;
  const sep = separator === null ? '' : text(separator, typeIn(separatorExpr, ev, frame));
  const parts = keyed.map(({ f }) => evalExpr(valueExpr, ev, f)).filter((v) => v !== null);
  if (parts.length === 0) return null;
  return parts.map((v) => text(v, valueType)).join(sep);
}

// ---------------------------------------------------------------- predicates

export function evalCondition(expr: Expr, ev: Evaluator, frame: Frame): Truth {
  switch (expr.kind) {
    case 'unary':
      if (expr.op === 'NOT') {
        const t = evalCondition(expr.operand, ev, frame);
        return t === null ? null : !t;
      }
      break;
    case 'binary':
      switch (expr.op) {
        case 'AND': {
          const left = evalCondition(expr.left, ev, frame);
          if (left === false) return false;
          const right = evalCondition(expr.right, ev, frame);
          if (right === false) return false;
          return left === null || right === null ? null : true;
        }
        case 'OR': {
          const left = evalCondition(expr.left, ev, frame);
          if (left === true) return true;
          const right = evalCondition(expr.right, ev, frame);
          if (right === true) return true;
          return left === null || right === null ? null : false;
        }
        case '=':
        case '<>':
        case '!=':
        case '<':
        case '<=':
        case '>':
        case '>=': {
          const c = compareExprs(expr.left, expr.right, ev, frame);
          if (c === null) return null;
          return expr.op === '=' ? c === 0 : expr.op === '<' ? c < 0 : expr.op === '<=' ? c <= 0 : expr.op === '>' ? c > 0 : expr.op === '>=' ? c >= 0 : c !== 0;
        }
      }
      break;
    case 'like': {
      const value = evalExpr(expr.operand, ev, frame);
      const pattern = evalExpr(expr.pattern, ev, frame);
      const escape = expr.escape ? evalExpr(expr.escape, ev, frame) : undefined;
      if (value === null || pattern === null || escape === null) return null;
      const valueType = typeIn(expr.operand, ev, frame);
      const valueText = text(value, valueType);
      // ASCII LIKE (all varchar) ignores trailing blanks of the value; Unicode LIKE keeps them
      const ascii = valueType.type !== 'nvarchar' && typeIn(expr.pattern, ev, frame).type !== 'nvarchar';
      const matched = likeMatch(
        ascii ? valueText.replace(/ +$/, '') : valueText,
        text(pattern, typeIn(expr.pattern, ev, frame)),
        escape === undefined || !expr.escape ? undefined : text(escape, typeIn(expr.escape, ev, frame)),
      );
      return expr.not ? !matched : matched;
    }
    case 'between': {
      const low = compareExprs(expr.operand, expr.low, ev, frame);
      const high = compareExprs(expr.operand, expr.high, ev, frame);
      const lowOk: Truth = low === null ? null : low >= 0;
      const highOk: Truth = high === null ? null : high <= 0;
      const inside: Truth = lowOk === false || highOk === false ? false : lowOk === null || highOk === null ? null : true;
      return inside === null ? null : expr.not ? !inside : inside;
    }
    case 'isNull': {
      const isNull = evalExpr(expr.operand, ev, frame) === null;
      return expr.not ? !isNull : isNull;
    }
    case 'exists':
      return runQuery(expr.query, ev, frame).rows.length > 0;
    case 'in': {
      const found = evalIn(expr, ev, frame);
      return found === null ? null : expr.not ? !found : found;
    }
  }
  // a value where a condition is expected (only the engine can build such a tree)
  const value = evalExpr(expr, ev, frame);
  if (value === null) return null;
  return value === true || value === 1;
}

function compareExprs(left: Expr, right: Expr, ev: Evaluator, frame: Frame): number | null {
  const a = evalExpr(left, ev, frame);
  const b = evalExpr(right, ev, frame);
  return compareValues(a, typeIn(left, ev, frame), b, typeIn(right, ev, frame));
}

function evalIn(expr: Extract<Expr, { kind: 'in' }>, ev: Evaluator, frame: Frame): Truth {
  const value = evalExpr(expr.operand, ev, frame);
  const valueType = typeIn(expr.operand, ev, frame);
  let candidates: { v: SqlValue; t: TypeInfo }[];
  if (Array.isArray(expr.list)) {
    const list = expr.list;
    candidates = list.map((e) => ({ v: evalExpr(e, ev, frame), t: typeIn(e, ev, frame) }));
  } else {
    const result = runQuery(expr.list, ev, frame);
    if (result.columns.length !== 1)
      throw new SqlError(116, 1, 16, 'Only one expression can be specified in the select list when the subquery is not introduced with EXISTS.');
    candidates = result.rows.map((r) => ({ v: r[0], t: result.columns[0].type }));
  }
  if (value === null) return candidates.length === 0 ? false : null;
  let unknown = false;
  for (const c of candidates) {
    const cmp = compareValues(value, valueType, c.v, c.t);
    if (cmp === 0) return true;
    if (cmp === null) unknown = true;
  }
  return unknown ? null : false;
}
