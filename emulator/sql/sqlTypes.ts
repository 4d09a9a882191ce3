// Static SQL types of expressions: what a value is (int, decimal(10,2), nvarchar(128) ...), SQL
// Server's data type precedence, and the names types have in error messages.
import type { ColumnSpec, SqlType, SqlValue } from '../tds/types';
import type { TypeRef } from './ast';

export interface TypeInfo {
  type: SqlType;
  /** characters for (n)varchar, bytes for varbinary; -1 = MAX */
  length?: number;
  precision?: number;
  scale?: number;
}

/** Higher wins when two types meet (SQL Server's data type precedence). */
const PRECEDENCE: Record<SqlType, number> = {
  datetimeoffset: 13,
  datetime2: 12,
  datetime: 11,
  date: 10,
  float: 9,
  decimal: 8,
  bigint: 7,
  int: 6,
  smallint: 5.6,
  tinyint: 5.3,
  bit: 5,
  uniqueidentifier: 4,
  nvarchar: 3,
  varchar: 2,
  varbinary: 1,
};

export const INT: TypeInfo = { type: 'int' };
export const BIGINT: TypeInfo = { type: 'bigint' };
export const FLOAT: TypeInfo = { type: 'float' };
export const BIT: TypeInfo = { type: 'bit' };
export const DATETIME: TypeInfo = { type: 'datetime' };
export const DATETIME2: TypeInfo = { type: 'datetime2', scale: 7 };
export const DATETIMEOFFSET: TypeInfo = { type: 'datetimeoffset', scale: 7 };
export const UNIQUEIDENTIFIER: TypeInfo = { type: 'uniqueidentifier' };
export const SYSNAME: TypeInfo = { type: 'nvarchar', length: 128 };
export const nvarchar = (length: number): TypeInfo => ({ type: 'nvarchar', length });
export const varchar = (length: number): TypeInfo => ({ type: 'varchar', length });
export const decimal = (precision: number, scale: number): TypeInfo => ({ type: 'decimal', precision, scale });

export function higherType(a: TypeInfo, b: TypeInfo): TypeInfo {
  if (a.type === b.type) {
    if (a.type === 'decimal') {
      const scale = Math.max(a.scale ?? 0, b.scale ?? 0);
      const integral = Math.max((a.precision ?? 18) - (a.scale ?? 0), (b.precision ?? 18) - (b.scale ?? 0));
      return decimal(Math.min(38, integral + scale), scale);
    }
    if (isStringType(a) || a.type === 'varbinary') return { type: a.type, length: maxLength(a.length, b.length) };
    return a;
  }
  // an integer meeting a decimal counts as decimal(10,0) / decimal(19,0), so no digits are lost
  if ((a.type === 'decimal' && isIntegerType(b)) || (b.type === 'decimal' && isIntegerType(a))) {
    const x = asDecimalType(a);
    const y = asDecimalType(b);
    return higherType(decimal(x.precision, x.scale), decimal(y.precision, y.scale));
  }
  return PRECEDENCE[a.type] >= PRECEDENCE[b.type] ? a : b;
}

function maxLength(a?: number, b?: number): number | undefined {
  if (a === -1 || b === -1) return -1;
  if (a === undefined || b === undefined) return a ?? b;
  return Math.max(a, b);
}

export const isStringType = (t: TypeInfo): boolean => t.type === 'varchar' || t.type === 'nvarchar';
export const isIntegerType = (t: TypeInfo): boolean =>
  t.type === 'int' || t.type === 'bigint' || t.type === 'bit' || t.type === 'smallint' || t.type === 'tinyint';

/** the range of the integer types narrower than bigint (8115 / 220 outside it) */
export function integerRange(type: SqlType): [number, number] | undefined {
  switch (type) {
    case 'tinyint':
      return [0, 255];
    case 'smallint':
      return [-32768, 32767];
    case 'int':
      return [-2147483648, 2147483647];
    default:
      return undefined;
  }
}
export const isNumericType = (t: TypeInfo): boolean => isIntegerType(t) || t.type === 'decimal' || t.type === 'float';
export const isDateType = (t: TypeInfo): boolean =>
  t.type === 'datetime' || t.type === 'datetime2' || t.type === 'date' || t.type === 'datetimeoffset';

/** precision/scale an exact numeric type has when it takes part in decimal arithmetic */
export function asDecimalType(t: TypeInfo): { precision: number; scale: number } {
  if (t.type === 'decimal') return { precision: t.precision ?? 18, scale: t.scale ?? 0 };
  if (t.type === 'bigint') return { precision: 19, scale: 0 };
  if (t.type === 'bit') return { precision: 1, scale: 0 };
  if (t.type === 'tinyint') return { precision: 3, scale: 0 };
  if (t.type === 'smallint') return { precision: 5, scale: 0 };
  return { precision: 10, scale: 0 };
}

export function typeFromRef(ref: TypeRef): TypeInfo {
  const t: TypeInfo = { type: ref.type };
  if (ref.length !== undefined) t.length = ref.length;
  if (ref.type === 'decimal') {
    t.precision = ref.precision ?? 18;
    t.scale = ref.scale ?? 0;
  } else if (ref.scale !== undefined) t.scale = ref.scale;
  return t;
}

/** the name of a type in SQL Server's messages: "int", "varchar", "numeric" */
export function typeName(t: TypeInfo): string {
  return t.type === 'decimal' ? 'numeric' : t.type;
}

/** decimal literal '12.50' -> decimal(4, 2), as SQL Server types it */
export function decimalLiteralType(text: string): TypeInfo {
  const digits = text.replace('-', '');
  const [whole, fraction = ''] = digits.split('.');
  const integral = whole.replace(/^0+/, '').length;
  return decimal(Math.max(integral + fraction.length, 1), fraction.length);
}

/** A type for a value that comes without one (engine-made literals, engine function results). */
export function typeOfValue(value: SqlValue): TypeInfo {
  if (value === null) return INT;
  if (typeof value === 'string') return nvarchar(Math.max(value.length, 1));
  if (typeof value === 'number') return Number.isInteger(value) ? (Math.abs(value) <= 2147483647 ? INT : BIGINT) : FLOAT;
  if (typeof value === 'bigint') return BIGINT;
  if (typeof value === 'boolean') return BIT;
  if (value instanceof Date) return DATETIME2;
  return { type: 'varbinary', length: Math.max(value.length, 1) };
}

export function columnSpec(name: string, t: TypeInfo, nullable = true): ColumnSpec {
  const spec: ColumnSpec = { name, type: t.type, nullable };
  if (t.length !== undefined) spec.length = t.length;
  if (t.precision !== undefined) spec.precision = t.precision;
  if (t.scale !== undefined) spec.scale = t.scale;
  return spec;
}

export function typeOfColumn(spec: ColumnSpec): TypeInfo {
  const t: TypeInfo = { type: spec.type };
  if (spec.length !== undefined) t.length = spec.length;
  if (spec.precision !== undefined) t.precision = spec.precision;
  if (spec.scale !== undefined) t.scale = spec.scale;
  if (spec.type === 'decimal') {
    t.precision ??= 18;
    t.scale ??= 0;
  }
  return t;
}

/** values of `from` can be used as `to` unchanged (a decimal with another scale must be rescaled) */
export function sameRepresentation(from: TypeInfo, to: TypeInfo): boolean {
  return from.type === to.type && (from.type !== 'decimal' || (from.scale ?? 0) === (to.scale ?? 0));
}
