// UNIQUEIDENTIFIER: 16 bytes on the wire with the first three groups little-endian (byte-swapped);
// the engine sees the canonical upper-case string.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { toText } from './coerce';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import { TypeId } from './typeIds';

/** Wire byte i holds canonical (hex-order) byte ORDER[i]. */
const ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

export function guidToBytes(guid: string): Buffer {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`invalid uniqueidentifier '${guid}'`);
  const canonical = Buffer.from(hex, 'hex');
  return Buffer.from(ORDER.map((i) => canonical[i]));
}

export function bytesToGuid(wire: Buffer): string {
  const canonical = Buffer.alloc(16);
  ORDER.forEach((src, i) => {
    canonical[src] = wire[i];
  });
  const h = canonical.toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const uniqueidentifierEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter): void {
    w.u8(TypeId.GUID).u8(16);
  },
  writeValue(w: ByteWriter, _column: ColumnSpec, value: SqlValue): void {
    if (value === null) {
      w.u8(0);
      return;
    }
    w.u8(16).bytes(Buffer.isBuffer(value) && value.length === 16 ? value : guidToBytes(toText(value)));
  },
};

export const uniqueidentifierDecoder: TypeDecoder = {
  typeIds: [TypeId.GUID],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    return { typeId, sqlType: 'uniqueidentifier', maxLength: r.u8() };
  },
  readValue(r: ByteReader): SqlValue {
    const length = r.u8();
    if (length === 0) return null;
    if (length !== 16) throw new RangeError(`invalid uniqueidentifier length ${length}`);
    return bytesToGuid(r.bytes(16));
  },
};
