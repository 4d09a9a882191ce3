// ALL_HEADERS, which precedes SQL_BATCH, RPC and TRANSACTION_MANAGER payloads from TDS 7.2 on.
import { ByteReader, TdsProtocolError } from '../byteReader';

const HEADER_TRANSACTION_DESCRIPTOR = 2;

export interface AllHeaders {
  /** the 8-byte transaction descriptor the client quoted (zeros outside a transaction) */
  transactionDescriptor?: Buffer;
  /** where the request body starts */
  bodyOffset: number;
}

export function readAllHeaders(payload: Buffer): AllHeaders {
  const r = new ByteReader(payload);
  const total = r.u32le();
  if (total < 4 || total > payload.length) throw new TdsProtocolError(`invalid ALL_HEADERS length ${total}`);
  let transactionDescriptor: Buffer | undefined;
  while (r.pos < total) {
    const start = r.pos;
    const length = r.u32le();
    if (length < 6 || start + length > total) throw new TdsProtocolError('invalid ALL_HEADERS entry');
    const type = r.u16le();
    if (type === HEADER_TRANSACTION_DESCRIPTOR && length >= 18) transactionDescriptor = Buffer.from(r.bytes(8));
    r.pos = start + length;
  }
  return { transactionDescriptor, bodyOffset: total };
}
