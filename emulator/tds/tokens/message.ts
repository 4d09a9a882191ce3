// ERROR (class > 10) and INFO (class <= 10): number, state, class, text, server, procedure, line.
import { ByteWriter } from '../byteWriter';
import type { SqlMessage } from '../types';
import { TokenType } from './tokenTypes';

export function isErrorMessage(message: SqlMessage): boolean {
  return message.class > 10;
}

export function writeMessage(w: ByteWriter, message: SqlMessage, serverName: string): void {
  const body = new ByteWriter(128)
    .i32le(message.number)
    .u8(message.state & 0xff)
    .u8(message.class & 0xff)
    .usVarchar(message.message)
    .bVarchar(serverName)
    .bVarchar(message.procName ?? '')
    .i32le(message.lineNumber ?? 1)
    .toBuffer();
  w.u8(isErrorMessage(message) ? TokenType.ERROR : TokenType.INFO)
    .u16le(body.length)
    .bytes(body);
}
