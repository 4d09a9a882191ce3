// Converting a value for storage in a table column (INSERT): SQL Server's implicit conversion, as an
// assignment does, but without silent truncation, so the caller can refuse a value that does not
// fit (2628) instead of cutting it, and with the range of smallint and tinyint, which the
// evaluator's types fold into int.
import type { ColumnSpec, SqlValue } from '../tds/types';
import type { TypeRef } from './ast';
import { convertValue } from './convert';
import { arithmeticOverflow } from './errors';
import { typeFromRef, typeOfColumn } from './sqlTypes';

const NARROW_INTEGERS: Record<string, [number, number]> = { SMALLINT: [-32768, 32767], TINYINT: [0, 255] };

/** `value` (typed as the source column `from`) as the column type `to`; strings and binaries keep their full length */
export function convertForStore(value: SqlValue, from: ColumnSpec, to: TypeRef): SqlValue {
  const target = typeFromRef(to);
  if (target.type === 'varchar' || target.type === 'nvarchar' || target.type === 'varbinary') target.length = -1;
  const converted = convertValue(value, typeOfColumn(from), target, undefined, false);
  const range = NARROW_INTEGERS[to.written];
  if (range && converted !== null && (Number(converted) < range[0] || Number(converted) > range[1])) throw arithmeticOverflow(to.written.toLowerCase());
  return converted;
}
