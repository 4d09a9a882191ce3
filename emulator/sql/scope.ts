// Name resolution for the evaluator: which columns a query level sees (its FROM clause), the
// enclosing levels for correlated subqueries, and the current row and group being evaluated.
import type { SqlValue } from '../tds/types';
import type { Expr } from './ast';
import type { EvalContext } from './context';
import { ambiguousColumn, invalidColumn, unboundIdentifier } from './errors';
import type { BoundQuery } from './select';
import type { CommonTableExpression, SelectStatement } from './ast';
import type { TypeInfo } from './sqlTypes';

export interface Binding {
  /** the exposed table name (alias, or the object's own name) */
  table?: string;
  /** how SQL Server names the table in messages: the alias, or the name as written (sys.databases) */
  qualifier?: string;
  name: string;
  type: TypeInfo;
  nullable?: boolean;
}

/** the columns one query level sees, and the level around it */
export interface Scope {
  columns: Binding[];
  parent?: Scope;
}

/** a scope with values: the current row, and while aggregating the rows of the current group */
export interface Frame {
  scope: Scope;
  row: SqlValue[];
  group?: SqlValue[][];
  parent?: Frame;
}

/** one evaluation: the engine's context and a cache of expression types */
export interface Evaluator {
  ctx: EvalContext;
  types: WeakMap<Expr, TypeInfo>;
  /** queries already bound (subqueries run once per outer row) */
  bound: WeakMap<SelectStatement, BoundQuery>;
  /** common table expressions of the statement, by lower-case name */
  ctes: Map<string, CommonTableExpression>;
  /** CTEs being bound right now: a reference back to one of them is recursion */
  cteStack: string[];
  /** column references already resolved (an expression always sits in the same scope) */
  columns: WeakMap<Expr, Resolved>;
}

export function newEvaluator(ctx: EvalContext): Evaluator {
  return { ctx, types: new WeakMap(), bound: new WeakMap(), ctes: new Map(), cteStack: [], columns: new WeakMap() };
}

export const EMPTY_SCOPE: Scope = { columns: [] };

export interface Resolved {
  /** how many scopes up the column lives (0 = this level) */
  level: number;
  index: number;
  binding: Binding;
}

const collator = new Intl.Collator('en', { sensitivity: 'accent' });
// names compare case-insensitively; the collator (slow) only decides what plain lower-casing cannot
const same = (a: string, b: string): boolean => {
  if (a.length === b.length && a.toLowerCase() === b.toLowerCase()) return true;
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return false;
  return collator.compare(a, b) === 0;
};

export function resolveColumn(scope: Scope, column: { table?: string; name: string }): Resolved {
  let level = 0;
  let tableSeen = false;
  for (let s: Scope | undefined = scope; s; s = s.parent, level++) {
    const matches: number[] = [];
    s.columns.forEach((b, i) => {
      if (column.table !== undefined) {
        if (b.table === undefined || !same(b.table, column.table)) return;
        tableSeen = true;
      }
      if (same(b.name, column.name)) matches.push(i);
    });
    if (matches.length > 1) throw ambiguousColumn(column.name);
    if (matches.length === 1) return { level, index: matches[0], binding: s.columns[matches[0]] };
  }
  if (column.table !== undefined && !tableSeen) throw unboundIdentifier(`${column.table}.${column.name}`);
  throw invalidColumn(column.name);
}

export function frameAt(frame: Frame, level: number): Frame {
  let f: Frame | undefined = frame;
  for (let i = 0; i < level && f; i++) f = f.parent;
  if (!f) throw new Error('scope and frame chains differ');
  return f;
}

/** a row of NULLs for a scope (outer joins, empty groups) */
export const nullRow = (scope: Scope): SqlValue[] => scope.columns.map(() => null);
