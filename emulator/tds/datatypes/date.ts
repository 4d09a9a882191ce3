// DATE (DATEN): 3 bytes, days since 0001-01-01.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { toDate } from './coerce';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import { joinInstant, readDays, splitInstant, writeDays } from './temporal';
import { TypeId } from './typeIds';

export const dateEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter): void {
    w.u8(TypeId.DATEN);
  },
  writeValue(w: ByteWriter, _column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    w.u8(3);
    writeDays(w, splitInstant(toDate(value), 0).days);
  },
};

export const dateDecoder: TypeDecoder = {
  typeIds: [TypeId.DATEN],
  readTypeInfo(_r: ByteReader, typeId: number): WireTypeInfo {
    return { typeId, sqlType: 'date' };
  },
  readValue(r: ByteReader): SqlValue {
    if (r.u8() === 0) return null;
    return joinInstant(readDays(r), 0, 0);
  },
};
