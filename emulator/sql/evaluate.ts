// The evaluator's public face for the engine: run a SELECT, evaluate a scalar (DECLARE, SET, PRINT,
// EXEC arguments, BACKUP/RESTORE options) or a condition (IF), and the typing helpers that
// assignments need.
import { SqlError } from '../sqlError';
import type { ResultSet, SqlValue } from '../tds/types';
import type { Expr, SelectStatement, TypeRef } from './ast';
import type { EvalContext } from './context';
import { convertValue } from './convert';
import { undeclaredVariable } from './errors';
import { evalCondition, evalExpr } from './expressions';
import { newEvaluator, type Frame } from './scope';
import { bindQuery, runBound } from './select';
import { columnSpec, typeFromRef, type TypeInfo } from './sqlTypes';
import { typeOf } from './typeOf';

export interface SelectResult {
  resultSet?: ResultSet;
  /** SELECT @v = ...: how many rows assigned (the variables hold the last row's values) */
  assigned?: number;
  rowCount: number;
}

const emptyFrame = (): Frame => ({ scope: { columns: [] }, row: [] });

export function executeSelect(stmt: SelectStatement, ctx: EvalContext): SelectResult {
  const ev = newEvaluator(ctx);
  const bound = bindQuery(stmt, ev, undefined);
  const result = runBound(bound, ev, undefined);
  const assignments = bound.items.filter((i) => i.assignTo !== undefined);
  if (assignments.length > 0) {
    for (const row of result.rows) {
      bound.items.forEach((item, i) => {
        if (item.assignTo !== undefined) assignVariable(ctx, item.assignTo, row[i], bound.ownTypes[i]);
      });
    }
    return { assigned: result.rows.length, rowCount: result.rows.length };
  }
  const columns = result.columns.map((c) => columnSpec(c.name, c.type, c.nullable));
  return { resultSet: { columns, rows: result.rows }, rowCount: result.rows.length };
}

/** a value outside any query (no columns in scope: a column name raises 207) */
export function evaluateScalar(expr: Expr, ctx: EvalContext): SqlValue {
  return evalExpr(expr, newEvaluator(ctx), emptyFrame());
}

/** the value and its SQL type, for assignments that convert (SET @v = ..., DECLARE @v int = ...) */
export function evaluateTyped(expr: Expr, ctx: EvalContext): { value: SqlValue; type: TypeInfo } {
  const ev = newEvaluator(ctx);
  const frame = emptyFrame();
  const value = evalExpr(expr, ev, frame);
  return { value, type: typeOf(expr, ev, frame.scope) };
}

/**
 * A value as text, converted the way SQL Server converts it to nvarchar (PRINT, RAISERROR %s,
 * URLs and names in BACKUP/RESTORE): 1.50 stays '1.50', a datetime reads 'Mar 15 2024 10:20AM'.
 */
export function evaluateText(expr: Expr, ctx: EvalContext): string | null {
  const { value, type } = evaluateTyped(expr, ctx);
  return valueToText(value, type);
}

export function valueToText(value: SqlValue, type: TypeInfo): string | null {
  if (value === null) return null;
  return String(convertValue(value, type, { type: 'nvarchar', length: -1 }, undefined, false));
}

/** IF / WHILE conditions: three-valued logic where unknown (NULL) counts as false */
export function evaluateCondition(expr: Expr, ctx: EvalContext): boolean {
  return isTrue(evaluatePredicate(expr, ctx));
}

/** the three-valued answer: true, false, or null for unknown */
export function evaluatePredicate(expr: Expr, ctx: EvalContext): boolean | null {
  return evalCondition(expr, newEvaluator(ctx), emptyFrame());
}

/** only TRUE is true: FALSE and UNKNOWN (null) are not */
export function isTrue(truth: boolean | null): boolean {
  return truth === true;
}

/** Stores a value into a declared variable, converting it to the variable's type (implicit conversion rules). */
export function assignVariable(ctx: EvalContext, name: string, value: SqlValue, from: TypeInfo): void {
  const key = name.toLowerCase();
  const variable = ctx.variables.get(key);
  if (!variable) throw undeclaredVariable(name);
  const to = typeFromRef(variable.type);
  ctx.variables.set(key, { type: variable.type, value: convertValue(value, from, to, undefined, false) });
}

/** SET @v = expr / += / -= (the engine calls this for setVariable statements) */
export function setVariable(ctx: EvalContext, name: string, op: '=' | '+=' | '-=', expr: Expr): void {
  const { value, type } = evaluateTyped(
    op === '=' ? expr : { kind: 'binary', op: op === '+=' ? '+' : '-', left: { kind: 'variable', name }, right: expr },
    ctx,
  );
  assignVariable(ctx, name, value, type);
}

/** DECLARE @v type [= expr]: the variable's initial value, converted to its type */
export function declareVariable(ctx: EvalContext, name: string, type: TypeRef, initial?: Expr): void {
  const key = name.toLowerCase();
  if (ctx.variables.has(key)) throw new SqlError(134, 1, 15, `The variable name '${name}' has already been declared. Variable names must be unique within a query batch or stored procedure.`);
  if (!initial) {
    ctx.variables.set(key, { type, value: null });
    return;
  }
  const { value, type: from } = evaluateTyped(initial, ctx);
  ctx.variables.set(key, { type, value: convertValue(value, from, typeFromRef(type), undefined, false) });
}

export type { TypeInfo } from './sqlTypes';
