// NVARCHAR / NCHAR: UTF-16LE text; NVARCHAR(MAX) travels as PLP.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { toText } from './coerce';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import { readPlp, writePlp } from './plp';
import { maxLengthBytes } from './stringLength';
import { PLP_MARKER, TypeId } from './typeIds';

const NULL_LENGTH = 0xffff;

function maxBytes(column: ColumnSpec): number {
  return maxLengthBytes(column.length, 2, 4000);
}

export const nvarcharEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter, column: ColumnSpec, collation: Buffer): void {
    w.u8(TypeId.NVARCHAR).u16le(maxBytes(column)).bytes(collation);
  },
  writeValue(w: ByteWriter, column: ColumnSpec, value: SqlValue): void {
    const max = maxBytes(column);
    if (max === PLP_MARKER) {
      writePlp(w, value === null ? null : Buffer.from(toText(value), 'utf16le'));
      return;
    }
    if (value === null) {
      w.u16le(NULL_LENGTH);
      return;
    }
    const data = Buffer.from(toText(value), 'utf16le');
    const fitted = data.length > max ? data.subarray(0, max - (max % 2)) : data;
    w.u16le(fitted.length).bytes(fitted);
  },
};

export const nvarcharDecoder: TypeDecoder = {
  typeIds: [TypeId.NVARCHAR, TypeId.NCHAR],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    const maxLength = r.u16le();
    const collation = Buffer.from(r.bytes(5));
    const plp = maxLength === PLP_MARKER;
    return { typeId, sqlType: 'nvarchar', maxLength, plp, collation };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    if (info.plp) {
      const data = readPlp(r);
      return data === null ? null : data.toString('utf16le');
    }
    const length = r.u16le();
    if (length === NULL_LENGTH) return null;
    return r.bytes(length).toString('utf16le');
  },
};
