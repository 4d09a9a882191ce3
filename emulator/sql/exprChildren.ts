// The direct sub-expressions of an expression (not those inside subqueries), for the checks that
// walk a tree: aggregates in WHERE, aggregates of aggregates, grouping.
import type { Expr } from './ast';

export function exprChildren(e: Expr): Expr[] {
  switch (e.kind) {
    case 'call':
      return e.args;
    case 'unary':
    case 'isNull':
    case 'cast':
      return e.kind === 'cast' && e.style ? [e.operand, e.style] : [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'like':
      return e.escape ? [e.operand, e.pattern, e.escape] : [e.operand, e.pattern];
    case 'in':
      return Array.isArray(e.list) ? [e.operand, ...e.list] : [e.operand];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'case':
      return [...(e.operand ? [e.operand] : []), ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])];
    default:
      return [];
  }
}

/** true when the expression or any sub-expression (outside subqueries) matches */
export function someExpr(e: Expr, test: (e: Expr) => boolean): boolean {
  return test(e) || exprChildren(e).some((c) => someExpr(c, test));
}
