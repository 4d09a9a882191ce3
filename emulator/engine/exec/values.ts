// Reading and converting values through the evaluator, so variables get SQL Server's conversion
// rules (the evaluator's CAST) rather than JavaScript's.
import type { Expr, TypeRef } from '../../sql/ast';
import type { SqlValue } from '../../tds/types';
import type { ExecEnv } from './env';

export function evaluate(env: ExecEnv, expr: Expr): SqlValue {
  return env.session.services.language.evaluateScalar(expr, env.evalContext());
}

export function isTrue(env: ExecEnv, expr: Expr): boolean {
  return env.session.services.language.evaluateCondition(expr, env.evalContext());
}

/** the value converted to the variable's declared type, as an assignment converts it */
export function convertTo(env: ExecEnv, value: SqlValue, type: TypeRef): SqlValue {
  if (value === null) return null;
  return evaluate(env, { kind: 'cast', operand: { kind: 'literal', value }, to: type, syntax: 'CAST' });
}

export function asText(value: SqlValue): string {
  if (value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex').toUpperCase()}`;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

export function asInt(value: SqlValue): number | null {
  if (value === null) return null;
  const n = typeof value === 'bigint' ? Number(value) : Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}
