// TRANSACTION_MANAGER: ALL_HEADERS, then the request type and its fields (MS-TDS 2.2.6.9).
import { ByteReader, TdsProtocolError } from '../byteReader';
import type { TransactionRequest } from '../types';
import { readAllHeaders } from './allHeaders';

const REQUEST_TYPES: Record<number, TransactionRequest> = {
  5: 'begin',
  7: 'commit',
  8: 'rollback',
  9: 'save',
};

export interface TransactionManagerRequest {
  kind: TransactionRequest;
  name: string;
  /** BEGIN only: 0 = no change, 1 read uncommitted ... 5 snapshot */
  isolationLevel?: number;
  transactionDescriptor?: Buffer;
}

export function parseTransactionManager(payload: Buffer): TransactionManagerRequest {
  const { bodyOffset, transactionDescriptor } = readAllHeaders(payload);
  const r = new ByteReader(payload, bodyOffset);
  const type = r.u16le();
  const kind = REQUEST_TYPES[type];
  if (!kind) throw new TdsProtocolError(`unsupported TRANSACTION_MANAGER request ${type}`);
  const isolationLevel = kind === 'begin' ? r.u8() : undefined;
  const name = r.remaining > 0 ? r.bVarchar() : '';
  return { kind, name, isolationLevel, transactionDescriptor };
}
