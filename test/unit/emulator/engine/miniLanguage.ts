// A deliberately small SqlLanguage for the engine's unit tests: the real parser (emulator/sql) and
// an evaluator that covers literals, variables, @@globals, comparisons, a few functions and
// single-table SELECTs with WHERE. It tests the engine, not T-SQL evaluation (emulator/sql's tests
// do that), and lets these tests run before and independently of the full evaluator.
import { parseBatch } from '../../../../emulator/sql/parser';
import { statementLine } from '../../../../emulator/sql/parser';
import type { Expr, SelectStatement } from '../../../../emulator/sql/ast';
import type { EvalContext } from '../../../../emulator/sql/context';
import { SqlError } from '../../../../emulator/sqlError';
import type { SelectOutcome, SqlLanguage } from '../../../../emulator/engine/services';
import type { ColumnSpec, SqlValue } from '../../../../emulator/tds/types';

type Row = Map<string, SqlValue>;

function evalExpr(expr: Expr, ctx: EvalContext, row?: Row): SqlValue {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'variable': {
      const v = ctx.variables.get(expr.name.toLowerCase());
      if (!v) throw new SqlError(137, 2, 15, `Must declare the scalar variable "${expr.name}".`);
      return v.value;
    }
    case 'global': {
      const v = ctx.global(expr.name);
      if (v === undefined) throw new SqlError(137, 2, 15, `Must declare the scalar variable "@@${expr.name}".`);
      return v;
    }
    case 'column': {
      const key = expr.name.toLowerCase();
      if (!row || !row.has(key)) throw new SqlError(207, 1, 16, `Invalid column name '${expr.name}'.`);
      return row.get(key) ?? null;
    }
    case 'unary':
      return expr.op === '-' ? -Number(evalExpr(expr.operand, ctx, row)) : evalExpr(expr.operand, ctx, row);
    case 'binary': {
      const l = evalExpr(expr.left, ctx, row);
      const r = evalExpr(expr.right, ctx, row);
      switch (expr.op) {
        case '+':
          if (l === null || r === null) return null;
          return typeof l === 'string' || typeof r === 'string' ? String(l) + String(r) : Number(l) + Number(r);
        case '-':
          return l === null || r === null ? null : Number(l) - Number(r);
        case '=':
          return l === null || r === null ? null : String(l).toLowerCase() === String(r).toLowerCase();
        case '<>':
        case '!=':
          return l === null || r === null ? null : String(l).toLowerCase() !== String(r).toLowerCase();
        case '>':
          return l === null || r === null ? null : Number(l) > Number(r);
        case '<':
          return l === null || r === null ? null : Number(l) < Number(r);
        case 'AND':
          return l === true && r === true;
        case 'OR':
          return l === true || r === true;
        default:
          throw new Error(`mini evaluator: operator ${expr.op}`);
      }
    }
    case 'isNull': {
      const v = evalExpr(expr.operand, ctx, row) === null;
      return expr.not ? !v : v;
    }
    case 'cast': {
      const v = evalExpr(expr.operand, ctx, row);
      if (v === null) return null;
      if (expr.to.type === 'int' || expr.to.type === 'bigint') {
        const n = Number(v);
        if (!Number.isFinite(n)) throw new SqlError(245, 1, 16, `Conversion failed when converting the nvarchar value '${String(v)}' to data type int.`);
        return Math.trunc(n);
      }
      if (expr.to.type === 'nvarchar' || expr.to.type === 'varchar') return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
      return v;
    }
    case 'call': {
      const args = expr.args.map((a) => evalExpr(a, ctx, row));
      switch (expr.name) {
        case 'SERVERPROPERTY':
          return ctx.serverProperty(String(args[0]));
        case 'DB_ID':
          return ctx.dbId(args.length ? String(args[0]) : undefined);
        case 'DB_NAME':
          return ctx.dbName(args.length ? Number(args[0]) : undefined);
        case 'GETDATE':
        case 'SYSUTCDATETIME':
          return ctx.now();
        default: {
          const v = ctx.callFunction?.(expr.name, args);
          if (v === undefined) throw new SqlError(195, 10, 15, `'${expr.name}' is not a recognized built-in function name.`);
          return v;
        }
      }
    }
    default:
      throw new Error(`mini evaluator: ${expr.kind}`);
  }
}

function columnName(expr: Expr, i: number): string {
  return expr.kind === 'column' ? expr.name : `col${i}`;
}

function executeSelect(stmt: SelectStatement, ctx: EvalContext): SelectOutcome {
  let rows: Row[] = [new Map()];
  let tableColumns: ColumnSpec[] = [];
  if (stmt.from) {
    if (stmt.from.kind !== 'table') throw new Error('mini evaluator: only single tables');
    const table = ctx.resolveTable(stmt.from.name);
    if (!table) throw new SqlError(208, 1, 16, `Invalid object name '${stmt.from.name.name}'.`);
    tableColumns = table.columns;
    rows = [...table.rows()].map((values) => new Map(table.columns.map((c, i) => [c.name.toLowerCase(), values[i]])));
  }
  if (stmt.where) rows = rows.filter((r) => evalExpr(stmt.where as Expr, ctx, r) === true);
  if (stmt.items.every((i) => i.assignTo)) {
    for (const r of rows) {
      for (const item of stmt.items) {
        const v = ctx.variables.get((item.assignTo as string).toLowerCase());
        if (!v) throw new SqlError(137, 2, 15, `Must declare the scalar variable "${item.assignTo}".`);
        v.value = evalExpr(item.expr, ctx, r);
      }
    }
    return { rowCount: rows.length };
  }
  const columns: ColumnSpec[] = [];
  const getters: ((r: Row) => SqlValue)[] = [];
  stmt.items.forEach((item, i) => {
    if (item.expr.kind === 'star') {
      for (const c of tableColumns) {
        columns.push(c);
        getters.push((r) => r.get(c.name.toLowerCase()) ?? null);
      }
      return;
    }
    columns.push({ name: item.alias ?? columnName(item.expr, i), type: 'nvarchar', nullable: true });
    getters.push((r) => evalExpr(item.expr, ctx, r));
  });
  const out = rows.map((r) => getters.map((g) => g(r)));
  return { resultSet: { columns, rows: out }, rowCount: out.length };
}

export const miniLanguage: SqlLanguage = {
  parseBatch,
  executeSelect,
  evaluateScalar: (expr, ctx) => evalExpr(expr, ctx),
  evaluateCondition: (expr, ctx) => evalExpr(expr, ctx) === true,
  statementLine,
};
