// DATETIME (DATETIMN, 8 bytes): days since 1900-01-01 (signed) and 1/300-second ticks since midnight.
// Decoding also takes SMALLDATETIME (4 bytes: days, minutes) and the fixed DATETIME/DATETIM4 types.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { toDate } from './coerce';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import { DAYS_1900_TO_1970, MS_PER_DAY } from './temporal';
import { TypeId } from './typeIds';

const TICKS_PER_DAY = 300 * 86_400;

export function datetimeParts(date: Date): { days: number; ticks: number } {
  const ms = date.getTime();
  let days = Math.floor(ms / MS_PER_DAY) + DAYS_1900_TO_1970;
  let ticks = Math.round(((ms - Math.floor(ms / MS_PER_DAY) * MS_PER_DAY) * 300) / 1000);
  if (ticks >= TICKS_PER_DAY) {
    ticks -= TICKS_PER_DAY;
    days += 1;
  }
  return { days, ticks };
}

function fromParts(days: number, ms: number): Date {
  return new Date((days - DAYS_1900_TO_1970) * MS_PER_DAY + ms);
}

function readDatetime(r: ByteReader, length: number): Date {
  if (length === 4) {
    const days = r.u16le();
    const minutes = r.u16le();
    return fromParts(days, minutes * 60_000);
  }
  const days = r.i32le();
  const ticks = r.u32le();
  return fromParts(days, Math.round((ticks * 1000) / 300));
}

export const datetimeEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter): void {
    w.u8(TypeId.DATETIMN).u8(8);
  },
  writeValue(w: ByteWriter, _column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    const { days, ticks } = datetimeParts(toDate(value));
    w.u8(8).i32le(days).u32le(ticks);
  },
};

export const datetimeDecoder: TypeDecoder = {
  typeIds: [TypeId.DATETIMN, TypeId.DATETIME, TypeId.DATETIM4],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    const maxLength = typeId === TypeId.DATETIMN ? r.u8() : typeId === TypeId.DATETIME ? 8 : 4;
    return { typeId, sqlType: 'datetime', maxLength };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    if (info.typeId !== TypeId.DATETIMN) return readDatetime(r, info.maxLength ?? 8);
    const length = r.u8();
    return length === 0 ? null : readDatetime(r, length);
  },
};
