// FLOAT (sent as FLTN, length 8); decoding also takes REAL (FLTN 4) and the fixed FLT4/FLT8 types.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { toNumber } from './coerce';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import { TypeId } from './typeIds';

export const floatEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter): void {
    w.u8(TypeId.FLTN).u8(8);
  },
  writeValue(w: ByteWriter, _column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    w.u8(8).f64le(toNumber(value));
  },
};

function readFloat(r: ByteReader, length: number): number {
  if (length === 4) return r.f32le();
  if (length === 8) return r.f64le();
  throw new RangeError(`invalid float length ${length}`);
}

export const floatDecoder: TypeDecoder = {
  typeIds: [TypeId.FLTN, TypeId.FLT4, TypeId.FLT8],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    const maxLength = typeId === TypeId.FLTN ? r.u8() : typeId === TypeId.FLT4 ? 4 : 8;
    return { typeId, sqlType: 'float', maxLength };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    if (info.typeId !== TypeId.FLTN) return readFloat(r, info.maxLength ?? 8);
    const length = r.u8();
    return length === 0 ? null : readFloat(r, length);
  },
};
