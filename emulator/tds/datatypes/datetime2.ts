// DATETIME2(s) (DATETIME2N): time of day in 10^-s seconds (3-5 bytes), then days since 0001-01-01.
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

export const datetime2Encoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter, column: ColumnSpec): void {
    w.u8(TypeId.DATETIME2N).u8(clampScale(column.scale));
  },
  writeValue(w: ByteWriter, column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    const scale = clampScale(column.scale);
    const { days, units } = splitInstant(toDate(value), scale);
    w.u8(timeLength(scale) + 3);
    writeTimeUnits(w, units, scale);
    writeDays(w, days);
  },
};

export const datetime2Decoder: TypeDecoder = {
  typeIds: [TypeId.DATETIME2N],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    return { typeId, sqlType: 'datetime2', scale: r.u8() };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    if (r.u8() === 0) return null;
    const scale = info.scale ?? 7;
    const units = readTimeUnits(r, scale);
    return joinInstant(readDays(r), units, scale);
  },
};
