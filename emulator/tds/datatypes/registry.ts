// Which module encodes each SqlType, and which decodes each wire type id.
import { TdsProtocolError } from '../byteReader';
import type { SqlType } from '../types';
import { bigintEncoder } from './bigint';
import { bitDecoder, bitEncoder } from './bit';
import type { TypeDecoder, TypeEncoder } from './dataType';
import { dateDecoder, dateEncoder } from './date';
import { datetimeDecoder, datetimeEncoder } from './datetime';
import { datetime2Decoder, datetime2Encoder } from './datetime2';
import { datetimeoffsetDecoder, datetimeoffsetEncoder } from './datetimeoffset';
import { decimalDecoder, decimalEncoder } from './decimal';
import { floatDecoder, floatEncoder } from './float';
import { intDecoder, intEncoder, smallintEncoder, tinyintEncoder } from './int';
import { legacyLobDecoder } from './legacyLob';
import { moneyDecoder } from './money';
import { nvarcharDecoder, nvarcharEncoder } from './nvarchar';
import { timeDecoder } from './time';
import { uniqueidentifierDecoder, uniqueidentifierEncoder } from './uniqueidentifier';
import { varbinaryDecoder, varbinaryEncoder } from './varbinary';
import { varcharDecoder, varcharEncoder } from './varchar';

const ENCODERS: Record<SqlType, TypeEncoder> = {
  nvarchar: nvarcharEncoder,
  varchar: varcharEncoder,
  tinyint: tinyintEncoder,
  smallint: smallintEncoder,
  int: intEncoder,
  bigint: bigintEncoder,
  bit: bitEncoder,
  datetime2: datetime2Encoder,
  datetimeoffset: datetimeoffsetEncoder,
  datetime: datetimeEncoder,
  date: dateEncoder,
  decimal: decimalEncoder,
  float: floatEncoder,
  uniqueidentifier: uniqueidentifierEncoder,
  varbinary: varbinaryEncoder,
};

const DECODERS = new Map<number, TypeDecoder>();
for (const decoder of [
  nvarcharDecoder,
  varcharDecoder,
  intDecoder,
  bitDecoder,
  datetime2Decoder,
  datetimeoffsetDecoder,
  datetimeDecoder,
  dateDecoder,
  timeDecoder,
  decimalDecoder,
  moneyDecoder,
  floatDecoder,
  uniqueidentifierDecoder,
  varbinaryDecoder,
  legacyLobDecoder,
]) {
  for (const id of decoder.typeIds) DECODERS.set(id, decoder);
}

export function encoderFor(type: SqlType): TypeEncoder {
  return ENCODERS[type];
}

export function decoderFor(typeId: number): TypeDecoder {
  const decoder = DECODERS.get(typeId);
  if (!decoder) throw new TdsProtocolError(`unsupported parameter type 0x${typeId.toString(16)}`);
  return decoder;
}
