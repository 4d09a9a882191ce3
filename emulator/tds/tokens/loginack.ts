// LOGINACK: interface (SQL_TSQL), the TDS version (big-endian), program name and version bytes.
import { ByteWriter } from '../byteWriter';
import { TokenType } from './tokenTypes';

const INTERFACE_SQL_TSQL = 1;
/** What SQL Server itself puts in ProgName. */
export const PROGRAM_NAME = 'Microsoft SQL Server';

export function writeLoginAck(
  w: ByteWriter,
  tdsVersion: number,
  versionBytes: readonly [number, number, number, number],
): void {
  const body = new ByteWriter(64)
    .u8(INTERFACE_SQL_TSQL)
    .u32be(tdsVersion)
    .bVarchar(PROGRAM_NAME)
    .bytes(Buffer.from(versionBytes))
    .toBuffer();
  w.u8(TokenType.LOGINACK).u16le(body.length).bytes(body);
}
