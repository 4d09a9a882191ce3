// Building catalog views: each column's SQL Server type next to the function that reads its value,
// so a view's shape and its rows cannot drift apart.
import type { ColumnSpec, SqlValue } from '../../tds/types';
import type { VirtualTable } from '../../sql/context';

export interface Field<T> {
  spec: ColumnSpec;
  get(row: T): SqlValue;
}

type Getter<T> = (row: T) => SqlValue;

function field<T>(spec: ColumnSpec, get: Getter<T>): Field<T> {
  return { spec, get };
}

/** column factories named after the SQL Server type they stand for, sent with that type on the wire */
export const c = {
  sysname: <T>(name: string, get: Getter<T>, nullable = false) => field<T>({ name, type: 'nvarchar', length: 128, nullable }, get),
  nvarchar: <T>(name: string, length: number, get: Getter<T>, nullable = true) => field<T>({ name, type: 'nvarchar', length, nullable }, get),
  /** varchar(n) columns (and char(n) ones where the value is plain ASCII), code page 1252 */
  varchar: <T>(name: string, length: number, get: Getter<T>, nullable = true) => field<T>({ name, type: 'varchar', length, nullable }, get),
  /** char(n)/varchar(n) columns: sent as nvarchar, which every client reads the same way */
  char: <T>(name: string, length: number, get: Getter<T>, nullable = true) => field<T>({ name, type: 'nvarchar', length, nullable }, get),
  int: <T>(name: string, get: Getter<T>, nullable = false) => field<T>({ name, type: 'int', nullable }, get),
  tinyint: <T>(name: string, get: Getter<T>, nullable = false) => field<T>({ name, type: 'tinyint', nullable }, get),
  smallint: <T>(name: string, get: Getter<T>, nullable = false) => field<T>({ name, type: 'smallint', nullable }, get),
  bigint: <T>(name: string, get: Getter<T>, nullable = false) => field<T>({ name, type: 'bigint', nullable }, get),
  bit: <T>(name: string, get: Getter<T>, nullable = false) => field<T>({ name, type: 'bit', nullable }, get),
  datetime: <T>(name: string, get: Getter<T>, nullable = true) => field<T>({ name, type: 'datetime', nullable }, get),
  datetime2: <T>(name: string, get: Getter<T>, nullable = true) => field<T>({ name, type: 'datetime2', nullable, scale: 7 }, get),
  decimal: <T>(name: string, precision: number, scale: number, get: Getter<T>, nullable = true) =>
    field<T>({ name, type: 'decimal', precision, scale, nullable }, get),
  float: <T>(name: string, get: Getter<T>, nullable = false) => field<T>({ name, type: 'float', nullable }, get),
  /** real: sent as float */
  real: <T>(name: string, get: Getter<T>, nullable = false) => field<T>({ name, type: 'float', nullable }, get),
  guid: <T>(name: string, get: Getter<T>, nullable = true) => field<T>({ name, type: 'uniqueidentifier', nullable }, get),
  varbinary: <T>(name: string, length: number, get: Getter<T>, nullable = true) => field<T>({ name, type: 'varbinary', length, nullable }, get),
};

/** a VirtualTable over `source()`, recomputed on every scan so DMVs show live values */
export function view<T>(fields: Field<T>[], source: () => Iterable<T>): VirtualTable {
  return {
    columns: fields.map((f) => f.spec),
    *rows() {
      for (const row of source()) yield fields.map((f) => f.get(row));
    },
  };
}

export const bit = (b: boolean): number => (b ? 1 : 0);
export const lsnValue = (lsn: bigint | undefined): SqlValue => (lsn === undefined ? null : lsn.toString());
/** pages of 8 KB, as sys.master_files.size counts */
export const pages = (bytes: number): number => Math.ceil(bytes / 8192);
/** msdb's int dates: yyyymmdd */
export const agentDate = (d: Date): number => d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
/** msdb's int times and durations: hhmmss */
export const agentTime = (d: Date): number => d.getUTCHours() * 10000 + d.getUTCMinutes() * 100 + d.getUTCSeconds();
export const agentDuration = (seconds: number): number => {
  const s = Math.max(0, Math.round(seconds));
  return Math.floor(s / 3600) * 10000 + Math.floor((s % 3600) / 60) * 100 + (s % 60);
};
