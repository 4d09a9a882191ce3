// TEXT / NTEXT / IMAGE parameters (decode only; deprecated types mssql can still send): a LONG max
// length (+ collation for the text types), then a LONG value length (-1 = NULL) and the bytes. The
// engine sees them as varchar(max) / nvarchar(max) / varbinary(max).
import type { ByteReader } from '../byteReader';
import type { SqlValue } from '../types';
import { isUtf8Collation } from './collation';
import { decodeCp1252 } from './cp1252';
import type { TypeDecoder, WireTypeInfo } from './dataType';
import { TypeId } from './typeIds';

export const legacyLobDecoder: TypeDecoder = {
  typeIds: [TypeId.TEXT, TypeId.NTEXT, TypeId.IMAGE],
  readTypeInfo(r: ByteReader, typeId: number): WireTypeInfo {
    const maxLength = r.i32le();
    if (typeId === TypeId.IMAGE) return { typeId, sqlType: 'varbinary', maxLength, plp: true };
    const collation = Buffer.from(r.bytes(5));
    return { typeId, sqlType: typeId === TypeId.NTEXT ? 'nvarchar' : 'varchar', maxLength, plp: true, collation };
  },
  readValue(r: ByteReader, info: WireTypeInfo): SqlValue {
    const length = r.i32le();
    if (length < 0) return null;
    const data = Buffer.from(r.bytes(length));
    if (info.typeId === TypeId.IMAGE) return data;
    if (info.typeId === TypeId.NTEXT) return data.toString('utf16le');
    return isUtf8Collation(info.collation) ? data.toString('utf8') : decodeCp1252(data);
  },
};
