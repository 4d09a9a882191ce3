// The FROM clause: tables, views and table-valued functions from the engine, CTEs, derived
// tables, VALUES, and joins (INNER, LEFT, RIGHT, FULL, CROSS, CROSS/OUTER APPLY). Binding (which
// columns exist) happens once, before rows are read, so unknown names fail even on empty tables.
import { SqlError } from '../sqlError';
import type { SqlValue } from '../tds/types';
import type { CommonTableExpression, Expr, TableSource } from './ast';
import { invalidObject } from './errors';
import type { TableFunction } from './context';
import { convertValue } from './convert';
import { evalCondition, evalExpr } from './expressions';
import { formatObjectName } from './parseNames';
import { resolveColumn, type Binding, type Evaluator, type Frame, type Resolved, type Scope } from './scope';
import { bindQuery, runBound, type BoundQuery } from './select';
import { INT, sameRepresentation, typeOfColumn, type TypeInfo } from './sqlTypes';
import { isUntypedNull, mergeTypes, typeOf } from './typeOf';

export interface BoundSource {
  columns: Binding[];
  /** the rows, for the given enclosing frame (correlated APPLY and subqueries) */
  rows(outer: Frame | undefined): SqlValue[][];
}

export function bindSource(source: TableSource, ev: Evaluator, outer: Scope | undefined): BoundSource {
  switch (source.kind) {
    case 'function': {
      const fn = ev.ctx.tableFunction?.(source.name);
      if (fn) return bindTableFunction(source, fn, ev, outer);
      return bindTable(source, ev);
    }
    case 'table': {
      const n = source.name;
      const cte = n.schema === undefined && n.database === undefined && n.server === undefined ? ev.ctes.get(n.name.toLowerCase()) : undefined;
      return cte ? bindCte(cte, source.alias ?? n.name, ev) : bindTable(source, ev);
    }
    case 'derived': {
      const bound = bindQuery(source.query, ev, outer);
      return {
        columns: derivedColumns(bound, source.alias, source.columns),
        rows: (frame) => runBound(bound, ev, frame).rows,
      };
    }
    case 'values':
      return bindValues(source, ev, outer);
    case 'join':
      return bindJoin(source, ev, outer);
  }
}

/** a VALUES table: every row as wide as the first, columns typed over all rows, values computed per scan */
function bindValues(source: Extract<TableSource, { kind: 'values' }>, ev: Evaluator, outer: Scope | undefined): BoundSource {
  const scope: Scope = outer ?? { columns: [] };
  const width = source.rows[0].length;
  if (source.rows.some((r) => r.length !== width))
    throw new SqlError(10709, 1, 16, 'The number of columns for each row in a table value constructor must be the same.');
  const columnTypes = Array.from({ length: width }, (_, i) => {
    const typed = source.rows.map((r) => r[i]).filter((e) => !isUntypedNull(e));
    return typed.length === 0 ? INT : mergeTypes(typed.map((e) => typeOf(e, ev, scope)));
  });
  const names = source.columns;
  if (!names) throw new SqlError(8155, 2, 16, `No column name was specified for column 1 of '${source.alias}'.`);
  if (names.length !== width)
    throw new SqlError(names.length < width ? 8158 : 8159, 1, 16, `'${source.alias}' has ${names.length < width ? 'more' : 'fewer'} columns than were specified in the column list.`);
  return {
    columns: names.map((name, i) => ({ table: source.alias, name, type: columnTypes[i], nullable: true })),
    rows: (frame) => {
      const f: Frame = frame ?? { scope, row: [] };
      return source.rows.map((r) =>
        r.map((e, i) => {
          const v = evalExpr(e, ev, f);
          const t = typeOf(e, ev, scope);
          return v === null || sameRepresentation(t, columnTypes[i]) ? v : convertValue(v, t, columnTypes[i], undefined, false);
        }),
      );
    },
  };
}

function bindJoin(source: Extract<TableSource, { kind: 'join' }>, ev: Evaluator, outer: Scope | undefined): BoundSource {
  const left = bindSource(source.left, ev, outer);
  const isApply = source.type === 'CROSS APPLY' || source.type === 'OUTER APPLY';
  const leftScope: Scope = { columns: left.columns, parent: outer };
  const right = bindSource(source.right, ev, isApply ? leftScope : outer);
  const columns = [...left.columns, ...right.columns];
  const scope: Scope = { columns, parent: outer };
  const leftNulls = left.columns.map(() => null);
  const rightNulls = right.columns.map(() => null);
  const equiKey = isApply || source.on === undefined ? undefined : findEquiKey(source.on, scope, left.columns.length);

  const rows = (frame: Frame | undefined): SqlValue[][] => {
    const leftRows = left.rows(frame);
    const out: SqlValue[][] = [];
    if (isApply) {
      for (const l of leftRows) {
        const rightRows = right.rows({ scope: leftScope, row: l, parent: frame });
        for (const r of rightRows) out.push([...l, ...r]);
        if (rightRows.length === 0 && source.type === 'OUTER APPLY') out.push([...l, ...rightNulls]);
      }
      return out;
    }
    const rightRows = right.rows(frame);
    const matches = (l: SqlValue[], r: SqlValue[]): boolean =>
      source.on === undefined || evalCondition(source.on, ev, { scope, row: [...l, ...r], parent: frame }) === true;
    const rightMatched = new Array<boolean>(rightRows.length).fill(false);
    // an equality on one column of each side narrows the right rows to those with the same key
    // (the whole ON condition is still evaluated on them), so joining DMVs of hundreds of rows
    // costs rows, not rows squared
    const candidates = equiKey ? hashRows(rightRows, equiKey.right) : undefined;
    const all = rightRows.map((_, i) => i);
    for (const l of leftRows) {
      let matched = false;
      const lk = equiKey ? hashKey(l[equiKey.left]) : undefined;
      const indices = candidates ? (lk === undefined ? [] : (candidates.get(lk) ?? [])) : all;
      for (const i of indices) {
        const r = rightRows[i];
        if (!matches(l, r)) continue;
        matched = true;
        rightMatched[i] = true;
        out.push([...l, ...r]);
      }
      if (!matched && (source.type === 'LEFT' || source.type === 'FULL')) out.push([...l, ...rightNulls]);
    }
    if (source.type === 'RIGHT' || source.type === 'FULL')
      rightRows.forEach((r, i) => {
        if (!rightMatched[i]) out.push([...leftNulls, ...r]);
      });
    return out;
  };
  return { columns, rows };
}

/** integer and GUID columns compare by value alone, so equal values hash equal; other types do not qualify */
function hashable(t: TypeInfo): 'integer' | 'guid' | undefined {
  if (t.type === 'tinyint' || t.type === 'smallint' || t.type === 'int' || t.type === 'bigint') return 'integer';
  if (t.type === 'uniqueidentifier') return 'guid';
  return undefined;
}

/** the first `a.x = b.y` of the ON condition's AND terms with one column of each side, both hashable alike */
function findEquiKey(on: Expr, scope: Scope, leftWidth: number): { left: number; right: number } | undefined {
  const terms: Expr[] = [];
  const collect = (e: Expr): void => {
    if (e.kind === 'binary' && e.op === 'AND') {
      collect(e.left);
      collect(e.right);
    } else terms.push(e);
  };
  collect(on);
  for (const t of terms) {
    if (t.kind !== 'binary' || t.op !== '=' || t.left.kind !== 'column' || t.right.kind !== 'column') continue;
    let a: Resolved;
    let b: Resolved;
    try {
      a = resolveColumn(scope, t.left);
      b = resolveColumn(scope, t.right);
    } catch {
      // the evaluation reports the error as before
      return undefined;
    }
    if (a.level !== 0 || b.level !== 0) continue;
    const kind = hashable(a.binding.type);
    if (kind === undefined || kind !== hashable(b.binding.type)) continue;
    if (a.index < leftWidth && b.index >= leftWidth) return { left: a.index, right: b.index - leftWidth };
    if (b.index < leftWidth && a.index >= leftWidth) return { left: b.index, right: a.index - leftWidth };
  }
  return undefined;
}

function hashKey(v: SqlValue): string | undefined {
  if (v === null) return undefined;
  if (typeof v === 'string') return v.toUpperCase();
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

function hashRows(rows: SqlValue[][], column: number): Map<string, number[]> {
  const map = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const k = hashKey(r[column]);
    if (k === undefined) return;
    const list = map.get(k);
    if (list) list.push(i);
    else map.set(k, [i]);
  });
  return map;
}

function bindTable(source: Extract<TableSource, { kind: 'table' | 'function' }>, ev: Evaluator): BoundSource {
  const table = ev.ctx.resolveTable(source.name);
  if (!table) throw invalidObject(formatObjectName(source.name));
  const exposed = source.alias ?? source.name.name;
  const qualifier = source.alias ?? formatObjectName(source.name);
  return {
    columns: table.columns.map((c) => ({ table: exposed, qualifier, name: c.name, type: typeOfColumn(c), nullable: c.nullable })),
    rows: () => Array.from(table.rows(), (r) => [...r]),
  };
}

function bindTableFunction(
  source: Extract<TableSource, { kind: 'function' }>,
  fn: TableFunction,
  ev: Evaluator,
  outer: Scope | undefined,
): BoundSource {
  const scope: Scope = outer ?? { columns: [] };
  fn.checkArguments?.(source.args.length);
  source.args.forEach((a) => typeOf(a, ev, scope));
  const exposed = source.alias ?? source.name.name;
  const qualifier = source.alias ?? formatObjectName(source.name);
  return {
    columns: fn.columns.map((c) => ({ table: exposed, qualifier, name: c.name, type: typeOfColumn(c), nullable: c.nullable })),
    rows: (frame) => {
      // arguments see the enclosing row: CROSS APPLY fn(t.col) runs once per row of t
      const argFrame: Frame = frame ?? { scope, row: [] };
      const args = source.args.map((a) => evalExpr(a, ev, argFrame));
      return Array.from(fn.rows(args), (r) => [...r]);
    },
  };
}

/** the columns a derived table or CTE exposes: its query's, renamed by an optional column list */
function derivedColumns(bound: BoundQuery, alias: string, names: string[] | undefined): Binding[] {
  if (names && names.length < bound.columns.length)
    throw new SqlError(8158, 1, 16, `'${alias}' has more columns than were specified in the column list.`);
  if (names && names.length > bound.columns.length)
    throw new SqlError(8159, 1, 16, `'${alias}' has fewer columns than were specified in the column list.`);
  const seen = new Set<string>();
  return bound.columns.map((c, i) => {
    const name = names ? names[i] : c.name;
    if (name === '') throw new SqlError(8155, 2, 16, `No column name was specified for column ${i + 1} of '${alias}'.`);
    const key = name.toLowerCase();
    if (seen.has(key)) throw new SqlError(8156, 1, 16, `The column '${name}' was specified multiple times for '${alias}'.`);
    seen.add(key);
    return { table: alias, name, type: c.type, nullable: c.nullable };
  });
}

/** a reference to a common table expression: its query, run afresh for each reference */
function bindCte(cte: CommonTableExpression, alias: string, ev: Evaluator): BoundSource {
  const key = cte.name.toLowerCase();
  if (ev.cteStack.includes(key))
    throw new SqlError(40517, 1, 16, "Keyword or statement option 'recursive common table expression' is not supported in this version of SQL Server.");
  ev.cteStack.push(key);
  let bound: BoundQuery;
  try {
    bound = bindQuery(cte.query, ev, undefined);
  } finally {
    ev.cteStack.pop();
  }
  return { columns: derivedColumns(bound, alias, cte.columns), rows: () => runBound(bound, ev, undefined).rows };
}
