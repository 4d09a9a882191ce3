// ROW: each column's value in column order, encoded by the column's data type.
import type { ByteWriter } from '../byteWriter';
import { encoderFor } from '../datatypes/registry';
import type { ColumnSpec, SqlValue } from '../types';
import { TokenType } from './tokenTypes';

export function writeRow(w: ByteWriter, columns: readonly ColumnSpec[], row: readonly SqlValue[]): void {
  w.u8(TokenType.ROW);
  columns.forEach((column, i) => {
    const value = row[i];
    encoderFor(column.type).writeValue(w, column, value === undefined ? null : value);
  });
}
