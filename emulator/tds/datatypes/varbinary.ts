// VARBINARY / BINARY; VARBINARY(MAX) travels as PLP.
import type { ByteReader } from '../byteReader';
import type { ByteWriter } from '../byteWriter';
import type { ColumnSpec, SqlValue } from '../types';
import { toBuffer } from './coerce';
import type { TypeDecoder, TypeEncoder, WireTypeInfo } from './dataType';
import { readPlp, writePlp } from './plp';
import { maxLengthBytes } from './stringLength';
import { PLP_MARKER, TypeId } from './typeIds';

const NULL_LENGTH = 0xffff;

export const varbinaryEncoder: TypeEncoder = {
  writeTypeInfo(w: ByteWriter, column: ColumnSpec): void {
    w.u8(TypeId.BIGVARBINARY).u16le(maxLengthBytes(column.length, 1, 8000));
  },
  writeValue(w: ByteWriter, column: ColumnSpec, value: SqlValue): void {
    const max = maxLengthBytes(column.length, 1, 8000);
    const data = value === null ? null : toBuffer(value);
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

export const varbinaryDecoder: TypeDecoder = {
  typeIds: [TypeId.BIGVARBINARY, TypeId.BIGBINARY],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    const maxLength = r.u16le();
    return { typeId, sqlType: 'varbinary', maxLength, plp: maxLength === PLP_MARKER };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    if (info.plp) {
      const data = readPlp(r);
      return data === null ? null : Buffer.from(data);
    }
    const length = r.u16le();
    if (length === NULL_LENGTH) return null;
    return Buffer.from(r.bytes(length));
  },
};
