// BIT (sent as BITN, length 1); decoding also takes the fixed BIT type.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { toBoolean } from './coerce';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import { TypeId } from './typeIds';

export const bitEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter): void {
    w.u8(TypeId.BITN).u8(1);
  },
  writeValue(w: ByteWriter, _column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    w.u8(1).u8(toBoolean(value) ? 1 : 0);
  },
};

export const bitDecoder: TypeDecoder = {
  typeIds: [TypeId.BITN, TypeId.BIT],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    const maxLength = typeId === TypeId.BITN ? r.u8() : 1;
    return { typeId, sqlType: 'bit', maxLength };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    const length = info.typeId === TypeId.BITN ? r.u8() : 1;
    if (length === 0) return null;
    return r.bytes(length).some((b) => b !== 0);
  },
};
