// FEDAUTHINFO (MS-TDS 2.2.7.12): the server's answer to a LOGIN7 asking for the ADAL workflow
// (FEDAUTH library 2). It names the token issuer (STSURL) and the resource (SPN); the client gets
// an Entra token for "<SPN>/.default" and sends it in a FEDAUTH_TOKEN message.
import { ByteWriter } from '../byteWriter';
import { TokenType } from './tokenTypes';

const INFO_ID = { STSURL: 0x01, SPN: 0x02 } as const;

export function writeFedAuthInfo(w: ByteWriter, info: { stsUrl: string; spn: string }): void {
  const entries = [
    { id: INFO_ID.STSURL, data: Buffer.from(info.stsUrl, 'utf16le') },
    { id: INFO_ID.SPN, data: Buffer.from(info.spn, 'utf16le') },
  ];
  // CountOfInfoIDs, then one (id, length, offset) option per entry, then the data they point at;
  // offsets count from the start of CountOfInfoIDs
  const header = 4 + entries.length * 9;
  const length = header + entries.reduce((n, e) => n + e.data.length, 0);
  w.u8(TokenType.FEDAUTHINFO).u32le(length).u32le(entries.length);
  let offset = header;
  for (const e of entries) {
    w.u8(e.id).u32le(e.data.length).u32le(offset);
    offset += e.data.length;
  }
  for (const e of entries) w.bytes(e.data);
}

/** FEDAUTH_TOKEN message (packet type 0x08): DataLen, then the token's length and UTF-16 text (a nonce may follow). */
export function readFedAuthToken(payload: Buffer): string {
  if (payload.length < 8) throw new Error('FEDAUTH_TOKEN message too short');
  const tokenLength = payload.readUInt32LE(4);
  if (8 + tokenLength > payload.length) throw new Error('FEDAUTH_TOKEN token length exceeds the message');
  return payload.subarray(8, 8 + tokenLength).toString('utf16le');
}
