// INT (sent as INTN, length 4), SMALLINT (INTN 2) and TINYINT (INTN 1, unsigned). Decoding covers
// every integer form a client may send: INTN of 1/2/4/8 bytes and the fixed INT1/INT2/INT4/INT8 types.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { toNumber } from './coerce';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import { TypeId } from './typeIds';

const FIXED_LENGTH: Record<number, number> = {
  [TypeId.INT1]: 1,
  [TypeId.INT2]: 2,
  [TypeId.INT4]: 4,
  [TypeId.INT8]: 8,
};

export const intEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter): void {
    w.u8(TypeId.INTN).u8(4);
  },
  writeValue(w: ByteWriter, _column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    w.u8(4).i32le(Math.trunc(toNumber(value)));
  },
};

export const smallintEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter): void {
    w.u8(TypeId.INTN).u8(2);
  },
  writeValue(w: ByteWriter, _column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    w.u8(2).i16le(Math.trunc(toNumber(value)));
  },
};

export const tinyintEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter): void {
    w.u8(TypeId.INTN).u8(1);
  },
  writeValue(w: ByteWriter, _column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    w.u8(1).u8(Math.trunc(toNumber(value)) & 0xff);
  },
};

/** Reads a signed integer of `length` bytes; 8-byte values beyond 2^53 stay bigint. */
export function readInteger(r: ByteReader, length: number): SqlValue {
  switch (length) {
    case 1:
      return r.u8(); // TINYINT is unsigned
    case 2:
      return r.i16le();
    case 4:
      return r.i32le();
    case 8: {
      const v = r.i64le();
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    default:
      throw new RangeError(`invalid integer length ${length}`);
  }
}

export const intDecoder: TypeDecoder = {
  typeIds: [TypeId.INTN, TypeId.INT1, TypeId.INT2, TypeId.INT4, TypeId.INT8],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    const maxLength = typeId === TypeId.INTN ? r.u8() : FIXED_LENGTH[typeId];
    // parameters of 1 and 2 bytes keep folding into int (the evaluator's integer arithmetic is the same)
    return { typeId, sqlType: maxLength === 8 ? 'bigint' : 'int', maxLength };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    if (info.typeId !== TypeId.INTN) return readInteger(r, info.maxLength ?? 4);
    const length = r.u8();
    return length === 0 ? null : readInteger(r, length);
  },
};
