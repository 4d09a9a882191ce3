// MONEY / SMALLMONEY parameters (decode only): the engine sees them as DECIMAL(19,4)/(10,4) strings.
import type { ByteReader } from '../byteReader';
import type { SqlValue } from '../types';
import type { TypeDecoder, WireTypeInfo } from './dataType';
import { scaledToDecimalText } from './decimalText';
import { TypeId } from './typeIds';

function readMoney(r: ByteReader, length: number): string {
  if (length === 4) return scaledToDecimalText(BigInt(r.i32le()), 4);
  const high = BigInt(r.i32le());
  const low = BigInt(r.u32le());
  return scaledToDecimalText((high << 32n) | low, 4);
}

export const moneyDecoder: TypeDecoder = {
  typeIds: [TypeId.MONEYN, TypeId.MONEY, TypeId.MONEY4],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    const maxLength = typeId === TypeId.MONEYN ? r.u8() : typeId === TypeId.MONEY ? 8 : 4;
    return { typeId, sqlType: 'decimal', maxLength, precision: maxLength === 8 ? 19 : 10, scale: 4 };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    if (info.typeId !== TypeId.MONEYN) return readMoney(r, info.maxLength ?? 8);
    const length = r.u8();
    return length === 0 ? null : readMoney(r, length);
  },
};
