// ENVCHANGE: a type, then new and old values (B_VARCHAR for text types, B_VARBYTE for binary ones).
import { ByteWriter } from '../byteWriter';
import { TokenType } from './tokenTypes';

export const EnvChangeType = {
  DATABASE: 1,
  LANGUAGE: 2,
  CHARSET: 3,
  PACKET_SIZE: 4,
  SQL_COLLATION: 7,
  BEGIN_TRANSACTION: 8,
  COMMIT_TRANSACTION: 9,
  ROLLBACK_TRANSACTION: 10,
  RESET_CONNECTION_ACK: 18,
} as const;

function writeEnvChange(w: ByteWriter, body: Buffer): void {
  w.u8(TokenType.ENVCHANGE).u16le(body.length).bytes(body);
}

/** Types 1-4: text values. */
export function writeTextEnvChange(w: ByteWriter, type: number, newValue: string, oldValue: string): void {
  writeEnvChange(w, new ByteWriter(64).u8(type).bVarchar(newValue).bVarchar(oldValue).toBuffer());
}

/** Types 7-10 and 18: binary values (collation, transaction descriptors). */
export function writeBinaryEnvChange(w: ByteWriter, type: number, newValue: Buffer, oldValue: Buffer): void {
  writeEnvChange(w, new ByteWriter(32).u8(type).bVarbyte(newValue).bVarbyte(oldValue).toBuffer());
}
