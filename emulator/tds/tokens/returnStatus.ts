// RETURNSTATUS: a stored procedure's int return code (mssql's result.returnValue).
import type { ByteWriter } from '../byteWriter';
import { TokenType } from './tokenTypes';

export function writeReturnStatus(w: ByteWriter, status: number): void {
  w.u8(TokenType.RETURNSTATUS).i32le(status);
}
