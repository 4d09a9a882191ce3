// COLMETADATA: the column count, then per column UserType, Flags, TYPE_INFO and the column name.
import type { ByteWriter } from '../byteWriter';
import { encoderFor } from '../datatypes/registry';
import type { ColumnSpec } from '../types';
import { TokenType } from './tokenTypes';

const FLAG_NULLABLE = 0x0001;
/** usUpdateable = 2 ("unknown"): these are computed result columns, not a base table's. */
const FLAG_UPDATEABLE_UNKNOWN = 0x0008;

export function writeColMetadata(w: ByteWriter, columns: readonly ColumnSpec[], collation: Buffer): void {
  w.u8(TokenType.COLMETADATA).u16le(columns.length);
  for (const column of columns) {
    w.u32le(0); // UserType
    w.u16le((column.nullable === false ? 0 : FLAG_NULLABLE) | FLAG_UPDATEABLE_UNKNOWN);
    encoderFor(column.type).writeTypeInfo(w, column, collation);
    w.bVarchar(column.name);
  }
}
