// A table variable: its declared columns and its rows, for one batch (or one sp_executesql call).
// SELECT reads it through EvalContext.resolveTable; INSERT appends to it.
import type { TableColumnDef, TableKeyDef } from '../sql/ast';
import type { VirtualTable } from '../sql/context';
import { SqlError } from '../sqlError';
import type { ColumnSpec, SqlValue } from '../tds/types';

let nextObjectId = 0x2a3b4c5d;

export class TableVariable {
  readonly rows: SqlValue[][] = [];
  readonly specs: ColumnSpec[];
  /**
   * The name SQL Server gives the table in tempdb (#A1B2C3D4), which its messages show, e.g. 2628
   * "String or binary data would be truncated in table 'tempdb.dbo.#A1B2C3D4' ...".
   */
  readonly tempdbName: string;
  private readonly identityNext: Map<number, number>;
  private readonly keys: UniqueKey[];

  constructor(
    readonly name: string,
    readonly columns: TableColumnDef[],
    keys: TableKeyDef[] = [],
  ) {
    this.specs = columns.map(columnSpecOf);
    nextObjectId = (nextObjectId + 0x1f3) >>> 0;
    const hex = nextObjectId.toString(16).toUpperCase().padStart(8, '0');
    this.tempdbName = `tempdb.dbo.#${hex}`;
    this.identityNext = new Map(columns.flatMap((c, i) => (c.identity ? [[i, c.identity.seed] as [number, number]] : [])));
    this.keys = keys.map((k, n) => ({
      kind: k.kind,
      // constraints of a table variable get generated names, like PK__#A1B2C3D__3213E83F...
      name: k.name ?? `${k.kind === 'PRIMARY KEY' ? 'PK' : 'UQ'}__#${hex.slice(0, 7)}__${(nextObjectId ^ (0x3213e83f + n)).toString(16).toUpperCase().padStart(8, '0')}`,
      columns: k.columns.map((c) => this.indexOf(c)),
    }));
  }

  /** the error a PRIMARY KEY / UNIQUE rule raises if `added` were appended to the rows, if any */
  duplicateKey(added: SqlValue[][]): SqlError | undefined {
    for (const key of this.keys) {
      const seen = new Set<string>();
      for (const [i, row] of [...this.rows, ...added].entries()) {
        const id = key.columns.map((c) => keyText(row[c])).join('\u0000');
        if (!seen.has(id)) {
          seen.add(id);
          continue;
        }
        // only a new row can be the duplicate: the stored ones were checked when they came
        if (i < this.rows.length) continue;
        const shown = `(${key.columns.map((c) => shownValue(row[c])).join(', ')})`;
        if (key.kind === 'UNIQUE INDEX')
          return new SqlError(2601, 1, 14, `Cannot insert duplicate key row in object 'dbo.${this.name}' with unique index '${key.name}'. The duplicate key value is ${shown}.`);
        return new SqlError(
          2627,
          1,
          14,
          `Violation of ${key.kind === 'PRIMARY KEY' ? 'PRIMARY KEY' : 'UNIQUE KEY'} constraint '${key.name}'. Cannot insert duplicate key in object 'dbo.${this.name}'. The duplicate key value is ${shown}.`,
        );
      }
    }
    return undefined;
  }

  /** index of a column by name (case-insensitive), or -1 */
  indexOf(name: string): number {
    const key = name.toLowerCase();
    return this.columns.findIndex((c) => c.name.toLowerCase() === key);
  }

  /** the next IDENTITY value of column `index`; consumed even when the INSERT later fails, as in SQL Server */
  takeIdentity(index: number): number {
    const def = this.columns[index].identity;
    const value = this.identityNext.get(index);
    if (!def || value === undefined) throw new Error(`column ${this.columns[index].name} has no IDENTITY`);
    this.identityNext.set(index, value + def.increment);
    return value;
  }

  asVirtualTable(): VirtualTable {
    return { columns: this.specs, rows: () => this.rows };
  }
}

interface UniqueKey {
  kind: TableKeyDef['kind'];
  name: string;
  columns: number[];
}

/** equality as the default collation sees it: case-insensitive, trailing blanks ignored; NULLs equal each other */
function keyText(value: SqlValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `s:${value.replace(/ +$/, '').toLowerCase()}`;
  if (value instanceof Date) return `d:${value.getTime()}`;
  if (Buffer.isBuffer(value)) return `b:${value.toString('hex')}`;
  if (typeof value === 'boolean') return `n:${value ? 1 : 0}`;
  return `n:${String(value)}`;
}

function shownValue(value: SqlValue): string {
  if (value === null) return '<NULL>';
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex').toUpperCase()}`;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

function columnSpecOf(c: TableColumnDef): ColumnSpec {
  const spec: ColumnSpec = { name: c.name, type: c.type.type, nullable: c.nullable };
  if (c.type.length !== undefined) spec.length = c.type.length;
  if (c.type.type === 'decimal') {
    spec.precision = c.type.precision ?? 18;
    spec.scale = c.type.scale ?? 0;
  } else if (c.type.scale !== undefined) spec.scale = c.type.scale;
  return spec;
}

/** One batch's table variables (keyed lower-case with the @), and the batch's SCOPE_IDENTITY(). */
export class TableVariables extends Map<string, TableVariable> {
  /** the last IDENTITY value an INSERT of this batch generated */
  scopeIdentity: number | null = null;
}

/** @@IDENTITY: the last IDENTITY value generated on the session, in any batch */
const sessionIdentity = new WeakMap<object, number>();

export function recordIdentity(session: object, tables: TableVariables, value: number): void {
  sessionIdentity.set(session, value);
  tables.scopeIdentity = value;
}

export function lastIdentity(session: object): number | null {
  return sessionIdentity.get(session) ?? null;
}

export const undeclaredTable = (name: string): SqlError => new SqlError(1087, 2, 15, `Must declare the table variable "${name}".`);

export const alreadyDeclared = (name: string): SqlError =>
  new SqlError(134, 1, 15, `The variable name '${name}' has already been declared. Variable names must be unique within a query batch or stored procedure.`);
