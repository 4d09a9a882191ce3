// DECIMAL / NUMERIC (DECIMALN / NUMERICN): sign byte + little-endian magnitude of 4/8/12/16 bytes.
// The engine sees DECIMAL values as exact strings.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import { decimalTextToScaled, scaledToDecimalText } from './decimalText';
import { TypeId } from './typeIds';

export const DEFAULT_DECIMAL_PRECISION = 18;

/** Bytes of a value (sign byte included) for a precision, as SQL Server sizes them. */
export function decimalValueLength(precision: number): number {
  if (precision <= 9) return 5;
  if (precision <= 19) return 9;
  if (precision <= 28) return 13;
  return 17;
}

function scaledValue(value: Exclude<SqlValue, null>, scale: number): bigint {
  if (typeof value === 'bigint') return value * 10n ** BigInt(scale);
  if (typeof value === 'number') return decimalTextToScaled(value.toFixed(Math.min(scale, 100)), scale);
  if (typeof value === 'boolean') return (value ? 1n : 0n) * 10n ** BigInt(scale);
  if (typeof value === 'string') return decimalTextToScaled(value, scale);
  throw new TypeError('cannot convert value to decimal');
}

function precisionAndScale(column: ColumnSpec): { precision: number; scale: number } {
  const precision = Math.min(38, Math.max(1, column.precision ?? DEFAULT_DECIMAL_PRECISION));
  const scale = Math.min(precision, Math.max(0, column.scale ?? 0));
  return { precision, scale };
}

export const decimalEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter, column: ColumnSpec): void {
    const { precision, scale } = precisionAndScale(column);
    w.u8(TypeId.DECIMALN).u8(decimalValueLength(precision)).u8(precision).u8(scale);
  },
  writeValue(w: ByteWriter, column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    const { precision, scale } = precisionAndScale(column);
    const length = decimalValueLength(precision);
    const scaled = scaledValue(value, scale);
    let magnitude = scaled < 0n ? -scaled : scaled;
    w.u8(length).u8(scaled < 0n ? 0 : 1);
    for (let i = 0; i < length - 1; i++) {
      w.u8(Number(magnitude & 0xffn));
      magnitude >>= 8n;
    }
  },
};

export function readDecimalMagnitude(r: ByteReader, bytes: number): bigint {
  let magnitude = 0n;
  const data = r.bytes(bytes);
  for (let i = bytes - 1; i >= 0; i--) magnitude = (magnitude << 8n) | BigInt(data[i]);
  return magnitude;
}

export const decimalDecoder: TypeDecoder = {
  typeIds: [TypeId.DECIMALN, TypeId.NUMERICN],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    const maxLength = r.u8();
    const precision = r.u8();
    const scale = r.u8();
    return { typeId, sqlType: 'decimal', maxLength, precision, scale };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    const length = r.u8();
    if (length === 0) return null;
    const positive = r.u8() === 1;
    const magnitude = readDecimalMagnitude(r, length - 1);
    return scaledToDecimalText(positive ? magnitude : -magnitude, info.scale ?? 0);
  },
};
