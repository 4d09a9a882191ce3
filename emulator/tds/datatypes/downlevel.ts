// TDS 7.2 clients do not know DATE, DATETIME2 or DATETIMEOFFSET (they came with 7.3); SQL Server
// sends such columns to them as NVARCHAR text, which this module reproduces.
import type { ColumnSpec, SqlType, SqlValue } from '../types';
import { toDate } from './coerce';
import { clampScale, joinInstant, splitInstant } from './temporal';

const NEW_IN_7_3: ReadonlySet<SqlType> = new Set<SqlType>(['date', 'datetime2', 'datetimeoffset']);

export function needsDownlevel(column: ColumnSpec): boolean {
  return NEW_IN_7_3.has(column.type);
}

/** The NVARCHAR column a 7.2 client gets instead (lengths as SQL Server reports them). */
export function downlevelColumn(column: ColumnSpec): ColumnSpec {
  const length = column.type === 'date' ? 10 : column.type === 'datetime2' ? 27 : 34;
  return { name: column.name, type: 'nvarchar', length, nullable: column.nullable };
}

/** 2024-02-29 / 2024-02-29 13:14:15.1230000 / 2024-02-29 13:14:15.1230000 +00:00 */
export function downlevelValue(column: ColumnSpec, value: SqlValue): SqlValue {
  if (value === null) return null;
  if (column.type === 'date') return toDate(value).toISOString().slice(0, 10);
  const scale = clampScale(column.scale);
  // round at the column's scale first, as the binary encoding would
  const { days, units } = splitInstant(toDate(value), scale);
  const iso = joinInstant(days, units, scale).toISOString(); // 2024-02-29T13:14:15.123Z
  const date = iso.slice(0, 10);
  const fraction = `${iso.slice(20, 23)}0000`.slice(0, scale);
  const time = `${iso.slice(11, 19)}${scale > 0 ? `.${fraction}` : ''}`;
  return column.type === 'datetime2' ? `${date} ${time}` : `${date} ${time} +00:00`;
}
