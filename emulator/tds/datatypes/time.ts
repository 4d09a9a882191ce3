// TIME(s) parameters (TIMEN, decode only). The contract has no TIME type, so the engine gets the
// value as DATETIME2 on 1900-01-01, which is what CAST(time AS datetime2) gives in SQL Server.
import type { ByteReader } from '../byteReader';
import type { SqlValue } from '../types';
import type { TypeDecoder, WireTypeInfo } from './dataType';
import { DAYS_0001_TO_1970, DAYS_1900_TO_1970, joinInstant, readTimeUnits } from './temporal';
import { TypeId } from './typeIds';

const DAYS_0001_TO_1900 = DAYS_0001_TO_1970 - DAYS_1900_TO_1970;

export const timeDecoder: TypeDecoder = {
  typeIds: [TypeId.TIMEN],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    return { typeId, sqlType: 'datetime2', scale: r.u8() };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    if (r.u8() === 0) return null;
    const scale = info.scale ?? 7;
    return joinInstant(DAYS_0001_TO_1900, readTimeUnits(r, scale), scale);
  },
};
