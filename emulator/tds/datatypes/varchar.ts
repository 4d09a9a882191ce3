// VARCHAR / CHAR: single-byte text in the collation's code page (CP1252 for the default collation,
// UTF-8 for _UTF8 collations); VARCHAR(MAX) travels as PLP.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { isUtf8Collation } from './collation';
import { toText } from './coerce';
import { decodeCp1252, encodeCp1252 } from './cp1252';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import { readPlp, writePlp } from './plp';
import { maxLengthBytes } from './stringLength';
import { PLP_MARKER, TypeId } from './typeIds';

const NULL_LENGTH = 0xffff;

function encodeText(text: string, collation: Buffer | undefined): Buffer {
  return isUtf8Collation(collation) ? Buffer.from(text, 'utf8') : encodeCp1252(text);
}

function decodeText(bytes: Buffer, collation: Buffer | undefined): string {
  return isUtf8Collation(collation) ? bytes.toString('utf8') : decodeCp1252(bytes);
}

export const varcharEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter, column: ColumnSpec, collation: Buffer): void {
    w.u8(TypeId.BIGVARCHAR).u16le(maxLengthBytes(column.length, 1, 8000)).bytes(collation);
  },
  writeValue(w: ByteWriter, column: ColumnSpec, value: SqlValue): void {
    const max = maxLengthBytes(column.length, 1, 8000);
    // Values are encoded for the connection's default (CP1252) collation, the one in TYPE_INFO.
    const data = value === null ? null : encodeText(toText(value), undefined);
    if (max === PLP_MARKER) {
      writePlp(w, data);
      return;
    }
    if (data === null) {
      w.u16le(NULL_LENGTH);
      return;
    }
    const fitted = data.length > max ? data.subarray(0, max) : data;
    w.u16le(fitted.length).bytes(fitted);
  },
};

export const varcharDecoder: TypeDecoder = {
  typeIds: [TypeId.BIGVARCHAR, TypeId.BIGCHAR],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    const maxLength = r.u16le();
    const collation = Buffer.from(r.bytes(5));
    return { typeId, sqlType: 'varchar', maxLength, plp: maxLength === PLP_MARKER, collation };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    if (info.plp) {
      const data = readPlp(r);
      return data === null ? null : decodeText(data, info.collation);
    }
    const length = r.u16le();
    if (length === NULL_LENGTH) return null;
    return decodeText(r.bytes(length), info.collation);
  },
};
