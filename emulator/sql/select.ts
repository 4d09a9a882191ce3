// Running a SELECT: bind names and types first (so errors do not depend on the data), then read
// FROM, filter with WHERE, group and aggregate, HAVING, project, DISTINCT, ORDER BY, TOP, and
// combine UNION [ALL] parts.
import { SqlError } from '../sqlError';
import type { SqlValue } from '../tds/types';
import type { Expr, OrderItem, SelectStatement } from './ast';
import { compareValues, groupKey } from './compare';
import { convertValue } from './convert';
import { evalCondition, evalExpr } from './expressions';
import { bindSource, type BoundSource } from './from';
import { isAggregate } from './builtins/aggregates';
import { someExpr } from './exprChildren';
import { nullRow, type Evaluator, type Frame, type Scope } from './scope';
import { sameRepresentation, type TypeInfo } from './sqlTypes';
import { isUntypedNull, mergeTypes, typeOf } from './typeOf';

export interface OutputColumn {
  name: string;
  type: TypeInfo;
  nullable: boolean;
}

interface BoundItem {
  expr: Expr;
  name: string;
  assignTo?: string;
  /** `*` columns read straight from the row */
  columnIndex?: number;
}

export interface BoundQuery {
  stmt: SelectStatement;
  scope: Scope;
  source?: BoundSource;
  items: BoundItem[];
  /** output columns; for a UNION head, typed over all parts */
  columns: OutputColumn[];
  /** this part's own column types (before UNION merges them) */
  ownTypes: TypeInfo[];
  grouped: boolean;
  union?: { all: boolean; query: BoundQuery; op: 'UNION' | 'EXCEPT' | 'INTERSECT' };
}

export interface QueryResult {
  columns: OutputColumn[];
  rows: SqlValue[][];
}

// ---------------------------------------------------------------- binding

export function bindQuery(stmt: SelectStatement, ev: Evaluator, outer: Scope | undefined): BoundQuery {
  const cached = ev.bound.get(stmt);
  if (cached) return cached;
  for (const cte of stmt.with ?? []) ev.ctes.set(cte.name.toLowerCase(), cte);
  const head = bindSingle(stmt, ev, outer, stmt.union === undefined);
  let part = head;
  for (let link = stmt.union; link; link = link.query.union) {
    const next = bindSingle(link.query, ev, outer, false);
    if (next.items.length !== head.items.length)
      throw new SqlError(205, 1, 16, 'All queries combined using a UNION, INTERSECT or EXCEPT operator must have an equal number of expressions in their target lists.');
    if (next.items.some((i) => i.assignTo !== undefined) || head.items.some((i) => i.assignTo !== undefined))
      throw new SqlError(141, 1, 15, 'A SELECT statement that assigns a value to a variable must not be combined with data-retrieval operations.');
    part.union = { all: link.all, query: next, op: link.op ?? 'UNION' };
    part = next;
  }
  if (head.union) {
    head.columns = head.columns.map((c, i) => {
      const types: TypeInfo[] = [];
      // an untyped NULL column does not decide the type (SELECT 'a' UNION SELECT NULL is varchar)
      for (let p: BoundQuery | undefined = head; p; p = p.union?.query) if (!isUntypedNull(p.items[i].expr)) types.push(p.ownTypes[i]);
      return { ...c, type: types.length > 0 ? mergeTypes(types) : c.type };
    });
  }
  ev.bound.set(stmt, head);
  return head;
}

function bindSingle(stmt: SelectStatement, ev: Evaluator, outer: Scope | undefined, ownOrderBy: boolean): BoundQuery {
  const source = stmt.from ? bindSource(stmt.from, ev, outer) : undefined;
  const scope: Scope = { columns: source?.columns ?? [], parent: outer };
  const items: BoundItem[] = [];
  for (const item of stmt.items) {
    if (item.expr.kind === 'star') {
      const table = item.expr.table;
      if (!source) throw new SqlError(263, 1, 16, 'Must specify table to select from.');
      const picked = scope.columns
        .map((b, index) => ({ b, index }))
        .filter(({ b }) => table === undefined || (b.table !== undefined && b.table.toLowerCase() === table.toLowerCase()));
      if (picked.length === 0 && table !== undefined)
        throw new SqlError(107, 1, 15, `The column prefix '${table}' does not match with a table name or alias name used in the query.`);
      for (const { b, index } of picked) items.push({ expr: { kind: 'column', table: b.table, name: b.name }, name: b.name, columnIndex: index });
      continue;
    }
    const bound: BoundItem = { expr: item.expr, name: item.alias ?? (item.expr.kind === 'column' ? item.expr.name : '') };
    if (item.assignTo !== undefined) {
      bound.assignTo = item.assignTo;
      bound.name = '';
    }
    items.push(bound);
  }
  if (stmt.top && stmt.offset) throw new SqlError(10741, 2, 15, 'A TOP can not be used in the same query or sub-query as a OFFSET.');
  const assigning = items.filter((i) => i.assignTo !== undefined).length;
  if (assigning > 0 && assigning < items.length)
    throw new SqlError(141, 1, 15, 'A SELECT statement that assigns a value to a variable must not be combined with data-retrieval operations.');

  const ownTypes = items.map((i) => (i.columnIndex !== undefined ? scope.columns[i.columnIndex].type : typeOf(i.expr, ev, scope)));
  const columns = items.map((i, k) => ({
    name: i.name,
    type: ownTypes[k],
    nullable: i.columnIndex !== undefined ? scope.columns[i.columnIndex].nullable !== false : !(i.expr.kind === 'literal' && i.expr.value !== null),
  }));

  // Type-check the clauses now, so unknown columns fail even when no row is read.
  if (stmt.where) {
    if (hasAggregate(stmt.where)) throw aggregateInWhere();
    typeOf(stmt.where, ev, scope);
  }
  stmt.groupBy?.forEach((e) => typeOf(e, ev, scope));
  if (stmt.having) typeOf(stmt.having, ev, scope);
  const orderExprs = ownOrderBy ? (stmt.orderBy ?? []).map((o) => o.expr) : [];
  const grouped =
    stmt.groupBy !== undefined || items.some((i) => hasAggregate(i.expr)) || (stmt.having !== undefined) || orderExprs.some(hasAggregate);
  const bound: BoundQuery = { stmt, scope, items, columns, ownTypes, grouped };
  if (source) bound.source = source;
  if (grouped) checkGrouping(bound, orderExprs);
  return bound;
}

const aggregateInWhere = (): SqlError =>
  new SqlError(
    147,
    1,
    15,
    'An aggregate may not appear in the WHERE clause unless it is in a subquery contained in a HAVING clause or a select list, and the column being aggregated is an outer reference.',
  );

/** true when the expression aggregates at this query level (subqueries aggregate on their own) */
export function hasAggregate(expr: Expr): boolean {
  return someExpr(expr, (e) => e.kind === 'call' && isAggregate(e.name));
}

const normalised = (e: Expr): string =>
  JSON.stringify(e, (key, value: unknown) => (typeof value === 'string' && (key === 'name' || key === 'table') ? value.toLowerCase() : value));

/** 8120 / 8121 / 8127: a column outside aggregates that is not grouped on */
function checkGrouping(bound: BoundQuery, orderExprs: Expr[]): void {
  const grouped = new Set((bound.stmt.groupBy ?? []).map(normalised));
  const check = (expr: Expr, clause: 'select' | 'having' | 'order'): void => {
    if (grouped.has(normalised(expr))) return;
    switch (expr.kind) {
      case 'column': {
        const index = bound.scope.columns.findIndex(
          (b) => b.name.toLowerCase() === expr.name.toLowerCase() && (expr.table === undefined || b.table?.toLowerCase() === expr.table.toLowerCase()),
        );
        if (index < 0) return; // an outer reference or an ORDER BY alias
        const b = bound.scope.columns[index];
        const qualifier = b.qualifier ?? b.table;
        const name = qualifier ? `${qualifier}.${b.name}` : b.name;
        if (clause === 'select')
          throw new SqlError(8120, 1, 16, `Column '${name}' is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause.`);
        if (clause === 'having')
          throw new SqlError(8121, 1, 16, `Column '${name}' is invalid in the HAVING clause because it is not contained in either an aggregate function or the GROUP BY clause.`);
        throw new SqlError(8127, 1, 16, `Column "${name}" is invalid in the ORDER BY clause because it is not contained in either an aggregate function or the GROUP BY clause.`);
      }
      case 'call':
        if (isAggregate(expr.name)) return;
        expr.args.forEach((a) => check(a, clause));
        return;
      case 'unary':
      case 'isNull':
      case 'cast':
        check(expr.operand, clause);
        return;
      case 'binary':
        check(expr.left, clause);
        check(expr.right, clause);
        return;
      case 'like':
        check(expr.operand, clause);
        check(expr.pattern, clause);
        return;
      case 'between':
        [expr.operand, expr.low, expr.high].forEach((e) => check(e, clause));
        return;
      case 'in':
        check(expr.operand, clause);
        if (Array.isArray(expr.list)) expr.list.forEach((e) => check(e, clause));
        return;
      case 'case':
        if (expr.operand) check(expr.operand, clause);
        expr.whens.forEach((w) => {
          check(w.when, clause);
          check(w.then, clause);
        });
        if (expr.else) check(expr.else, clause);
        return;
      default:
        return;
    }
  };
  bound.items.forEach((i) => check(i.expr, 'select'));
  if (bound.stmt.having) check(bound.stmt.having, 'having');
  orderExprs.forEach((e) => check(e, 'order'));
}

// ---------------------------------------------------------------- running

export function runQuery(stmt: SelectStatement, ev: Evaluator, outer: Frame | undefined): QueryResult {
  return runBound(bindQuery(stmt, ev, outer?.scope), ev, outer);
}

export function runBound(bound: BoundQuery, ev: Evaluator, outer: Frame | undefined): QueryResult {
  if (!bound.union) return { columns: bound.columns, rows: runSingle(bound, ev, outer, bound.stmt.orderBy) };
  const types = bound.columns.map((c) => c.type);
  const convertRows = (part: BoundQuery, rows: SqlValue[][]): SqlValue[][] =>
    rows.map((r) => r.map((v, i) => (v === null || sameRepresentation(part.ownTypes[i], types[i]) ? v : convertValue(v, part.ownTypes[i], types[i], undefined, false))));
  // the parts in order, then INTERSECT folded first (it binds tighter), then UNION / EXCEPT left to right
  const parts: { rows: SqlValue[][]; op?: 'UNION' | 'EXCEPT' | 'INTERSECT'; all: boolean }[] = [
    { rows: convertRows(bound, runSingle(bound, ev, outer, undefined)), all: false },
  ];
  for (let part: BoundQuery = bound; part.union; part = part.union.query) {
    const next = part.union.query;
    parts.push({ rows: convertRows(next, runSingle(next, ev, outer, undefined)), op: part.union.op, all: part.union.all });
  }
  const folded = [parts[0]];
  for (const p of parts.slice(1)) {
    const last = folded[folded.length - 1];
    if (p.op === 'INTERSECT') last.rows = combine(last.rows, p.rows, 'INTERSECT', false, types);
    else folded.push(p);
  }
  let rows = folded[0].rows;
  for (const p of folded.slice(1)) rows = combine(rows, p.rows, p.op ?? 'UNION', p.all, types);
  if (bound.stmt.orderBy) rows = orderOutput(rows, bound, bound.stmt.orderBy, 104);
  if (bound.stmt.offset) rows = applyOffset(rows, bound.stmt.offset, ev, outer);
  return { columns: bound.columns, rows };
}

function combine(left: SqlValue[][], right: SqlValue[][], op: 'UNION' | 'EXCEPT' | 'INTERSECT', all: boolean, types: TypeInfo[]): SqlValue[][] {
  if (op === 'UNION') return all ? left.concat(right) : distinctRows(left.concat(right), types);
  const key = (r: SqlValue[]): string => r.map((v, i) => groupKey(v, types[i])).join('\u0001');
  const inRight = new Set(right.map(key));
  return distinctRows(left.filter((r) => inRight.has(key(r)) === (op === 'INTERSECT')), types);
}

function distinctRows(rows: SqlValue[][], types: TypeInfo[]): SqlValue[][] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = r.map((v, i) => groupKey(v, types[i])).join('\u0001');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function runSingle(bound: BoundQuery, ev: Evaluator, outer: Frame | undefined, orderBy: OrderItem[] | undefined): SqlValue[][] {
  const { stmt, scope } = bound;
  const sourceRows = bound.source ? bound.source.rows(outer) : [[]];
  let frames: Frame[] = sourceRows.map((row) => ({ scope, row, parent: outer }));
  if (stmt.where) {
    const where = stmt.where;
    frames = frames.filter((f) => evalCondition(where, ev, f) === true);
  }
  if (bound.grouped) frames = group(bound, ev, frames, outer);
  if (stmt.having) {
    const having = stmt.having;
    frames = frames.filter((f) => evalCondition(having, ev, f) === true);
  }
  let rows = frames.map((f) => ({ frame: f, values: bound.items.map((i) => (i.columnIndex !== undefined ? f.row[i.columnIndex] : evalExpr(i.expr, ev, f))) }));
  if (stmt.distinct) {
    const seen = new Set<string>();
    rows = rows.filter((r) => {
      const key = r.values.map((v, i) => groupKey(v, bound.ownTypes[i])).join('\u0001');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  if (orderBy) rows = sortRows(rows, bound, ev, orderBy);
  let values = rows.map((r) => r.values);
  if (stmt.top) values = values.slice(0, topCount(stmt.top, values.length, ev, outer));
  if (orderBy && stmt.offset) values = applyOffset(values, stmt.offset, ev, outer);
  return values;
}

/** OFFSET n ROWS FETCH NEXT m ROWS ONLY, after ORDER BY */
function applyOffset(rows: SqlValue[][], offset: { skip: Expr; fetch?: Expr }, ev: Evaluator, outer: Frame | undefined): SqlValue[][] {
  const frame: Frame = outer ?? { scope: { columns: [] }, row: [] };
  const skip = Number(evalExpr(offset.skip, ev, frame));
  if (!(skip >= 0)) throw new SqlError(10742, 1, 16, 'The offset specified in a OFFSET clause may not be negative.');
  if (offset.fetch === undefined) return rows.slice(skip);
  const fetch = Number(evalExpr(offset.fetch, ev, frame));
  if (!(fetch > 0)) throw new SqlError(10744, 1, 16, 'The number of rows provided for a FETCH clause must be greater then zero.');
  return rows.slice(skip, skip + fetch);
}

function group(bound: BoundQuery, ev: Evaluator, frames: Frame[], outer: Frame | undefined): Frame[] {
  const { stmt, scope } = bound;
  const groups = new Map<string, SqlValue[][]>();
  if (!stmt.groupBy) groups.set('', frames.map((f) => f.row));
  else {
    const keys = stmt.groupBy;
    for (const f of frames) {
      const key = keys.map((e) => groupKey(evalExpr(e, ev, f), typeOf(e, ev, scope))).join('\u0001');
      const rows = groups.get(key);
      if (rows) rows.push(f.row);
      else groups.set(key, [f.row]);
    }
  }
  return [...groups.values()].map((rows) => ({ scope, row: rows[0] ?? nullRow(scope), group: rows, parent: outer }));
}

function topCount(top: { count: Expr; percent: boolean }, available: number, ev: Evaluator, outer: Frame | undefined): number {
  const frame: Frame = outer ?? { scope: { columns: [] }, row: [] };
  const raw = evalExpr(top.count, ev, frame);
  const n = raw === null ? NaN : Number(raw);
  if (!Number.isFinite(n) || n < 0 || (top.percent && n > 100)) {
    if (top.percent) throw new SqlError(1031, 1, 16, 'Percent values must be between 0 and 100.');
    throw new SqlError(1014, 1, 16, 'A TOP or FETCH clause contains an invalid value.');
  }
  if (top.percent) return Math.ceil((available * n) / 100);
  return Math.floor(n);
}

// ---------------------------------------------------------------- ORDER BY

type OrderKey = { kind: 'output'; index: number } | { kind: 'expr'; expr: Expr };

/** ORDER BY 2, ORDER BY alias, or ORDER BY any expression over the FROM columns */
function resolveOrderItem(item: OrderItem, bound: BoundQuery, outputOnly: number | undefined): OrderKey {
  const e = item.expr;
  if (e.kind === 'literal' && typeof e.value === 'number' && e.sqlType === 'int') {
    if (e.value < 1 || e.value > bound.columns.length)
      throw new SqlError(108, 1, 15, `The ORDER BY position number ${e.value} is out of range of the number of items in the select list.`);
    return { kind: 'output', index: e.value - 1 };
  }
  if (e.kind === 'column') {
    const index = bound.items.findIndex(
      (i) =>
        (e.table === undefined && i.name !== '' && i.name.toLowerCase() === e.name.toLowerCase()) ||
        (i.expr.kind === 'column' && i.assignTo === undefined && normalised(i.expr) === normalised(e)),
    );
    if (index >= 0) return { kind: 'output', index };
  }
  const exact = bound.items.findIndex((i) => normalised(i.expr) === normalised(e));
  if (exact >= 0) return { kind: 'output', index: exact };
  if (outputOnly === 104)
    throw new SqlError(104, 1, 16, 'ORDER BY items must appear in the select list if the statement contains a UNION, INTERSECT or EXCEPT operator.');
  if (outputOnly === 145) throw new SqlError(145, 1, 15, 'ORDER BY items must appear in the select list if SELECT DISTINCT is specified.');
  return { kind: 'expr', expr: e };
}

function compareKeys(a: SqlValue, b: SqlValue, t: TypeInfo, descending: boolean): number {
  let c: number;
  if (a === null || b === null) c = a === b ? 0 : a === null ? -1 : 1; // NULLs sort first
  else c = compareValues(a, t, b, t) ?? 0;
  return descending ? -c : c;
}

function sortRows(
  rows: { frame: Frame; values: SqlValue[] }[],
  bound: BoundQuery,
  ev: Evaluator,
  orderBy: OrderItem[],
): { frame: Frame; values: SqlValue[] }[] {
  const keys = orderBy.map((o) => resolveOrderItem(o, bound, bound.stmt.distinct ? 145 : undefined));
  const types = keys.map((k) => (k.kind === 'output' ? bound.ownTypes[k.index] : typeOf(k.expr, ev, bound.scope)));
  const keyed = rows.map((r) => ({ r, k: keys.map((k) => (k.kind === 'output' ? r.values[k.index] : evalExpr(k.expr, ev, r.frame))) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < keys.length; i++) {
      const c = compareKeys(x.k[i], y.k[i], types[i], orderBy[i].descending);
      if (c !== 0) return c;
    }
    return 0;
  });
  return keyed.map((x) => x.r);
}

function orderOutput(rows: SqlValue[][], bound: BoundQuery, orderBy: OrderItem[], outputOnly: number): SqlValue[][] {
  const keys = orderBy.map((o) => resolveOrderItem(o, bound, outputOnly));
  const indexes = keys.map((k) => (k.kind === 'output' ? k.index : 0));
  return [...rows].sort((x, y) => {
    for (let i = 0; i < indexes.length; i++) {
      const c = compareKeys(x[indexes[i]], y[indexes[i]], bound.columns[indexes[i]].type, orderBy[i].descending);
      if (c !== 0) return c;
    }
    return 0;
  });
}
