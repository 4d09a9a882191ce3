// BIGINT (sent as INTN, length 8). Decoding is shared with INT (see int.ts: INTN covers both).
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { toBigInt } from './coerce';
import type { TypeEncoder } from './dataType';
import { TypeId } from './typeIds';

export const bigintEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter): void {
    w.u8(TypeId.INTN).u8(8);
  },
  writeValue(w: ByteWriter, _column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    w.u8(8).i64le(toBigInt(value));
  },
};
