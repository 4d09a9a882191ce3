// DATETIMEOFFSET(s) (DATETIMEOFFSETN): UTC time and date as in DATETIME2, then the offset in minutes.
// The engine's values are UTC instants, so the emulator sends offset 0 and ignores a client's offset
// after applying it (the wire time is already UTC).
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { toDate } from './coerce';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import {
  clampScale,
  joinInstant,
  readDays,
  readTimeUnits,
  splitInstant,
  timeLength,
  writeDays,
  writeTimeUnits,
} from './temporal';
import { TypeId } from './typeIds';

export const datetimeoffsetEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter, column: ColumnSpec): void {
    w.u8(TypeId.DATETIMEOFFSETN).u8(clampScale(column.scale));
  },
  writeValue(w: ByteWriter, column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    const scale = clampScale(column.scale);
    const { days, units } = splitInstant(toDate(value), scale);
    w.u8(timeLength(scale) + 5);
    writeTimeUnits(w, units, scale);
    writeDays(w, days);
    w.i16le(0);
  },
};

export const datetimeoffsetDecoder: TypeDecoder = {
  typeIds: [TypeId.DATETIMEOFFSETN],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    return { typeId, sqlType: 'datetimeoffset', scale: r.u8() };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    if (r.u8() === 0) return null;
    const scale = info.scale ?? 7;
    const units = readTimeUnits(r, scale);
    const instant = joinInstant(readDays(r), units, scale);
    r.i16le(); // offset: informational, the time above is already UTC
    return instant;
  },
};
