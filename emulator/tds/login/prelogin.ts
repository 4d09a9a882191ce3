// PRELOGIN: the client's option table (we only act on ENCRYPTION) and the server's answer.
import { ByteReader, TdsProtocolError } from '../byteReader';

export const PreloginOption = {
  VERSION: 0x00,
  ENCRYPTION: 0x01,
  INSTOPT: 0x02,
  THREADID: 0x03,
  MARS: 0x04,
  TRACEID: 0x05,
  FEDAUTHREQUIRED: 0x06,
  TERMINATOR: 0xff,
} as const;

export const Encryption = {
  OFF: 0x00,
  ON: 0x01,
  NOT_SUP: 0x02,
  REQ: 0x03,
} as const;

export interface PreloginRequest {
  /** the client's ENCRYPTION byte without the CLIENT_CERT bit; undefined if absent */
  encryption?: number;
  /** whether the payload was a PRELOGIN option table at all (FreeTDS may send a TLS record instead) */
  options: Map<number, Buffer>;
}

export function parsePrelogin(payload: Buffer): PreloginRequest {
  const r = new ByteReader(payload);
  const options = new Map<number, Buffer>();
  for (;;) {
    const token = r.u8();
    if (token === PreloginOption.TERMINATOR) break;
    const offset = r.u16be();
    const length = r.u16be();
    if (offset + length > payload.length) throw new TdsProtocolError('PRELOGIN option out of bounds');
    options.set(token, payload.subarray(offset, offset + length));
  }
  const enc = options.get(PreloginOption.ENCRYPTION);
  return { encryption: enc && enc.length > 0 ? enc[0] & 0x7f : undefined, options };
}

/**
 * The server's answer to the client's ENCRYPTION request. FreeTDS's default OFF means "encrypt the
 * login only if you can"; the emulator does not do login-only TLS, so OFF gets NOT_SUP (see tds.md 1.3).
 * A server that requires encryption answers REQ (MS-TDS 2.2.6.5): a client that sent OFF then
 * encrypts the whole connection, one that sent NOT_SUP is refused.
 */
export function chooseEncryption(clientEncryption: number | undefined, alreadyEncrypted: boolean, required = false): number {
  if (alreadyEncrypted) return Encryption.NOT_SUP;
  if (required) return clientEncryption === Encryption.ON ? Encryption.ON : Encryption.REQ;
  if (clientEncryption === Encryption.ON || clientEncryption === Encryption.REQ) return Encryption.ON;
  return Encryption.NOT_SUP;
}

export function buildPreloginResponse(
  versionBytes: readonly [number, number, number, number],
  encryption: number,
): Buffer {
  const options: Array<[number, Buffer]> = [
    [PreloginOption.VERSION, Buffer.from([...versionBytes, 0, 0])],
    [PreloginOption.ENCRYPTION, Buffer.from([encryption])],
    [PreloginOption.INSTOPT, Buffer.from([0])],
    [PreloginOption.THREADID, Buffer.alloc(0)],
    [PreloginOption.MARS, Buffer.from([0])],
  ];
  const tableLength = options.length * 5 + 1;
  const table = Buffer.alloc(tableLength);
  let offset = tableLength;
  options.forEach(([token, data], i) => {
    table.writeUInt8(token, i * 5);
    table.writeUInt16BE(offset, i * 5 + 1);
    table.writeUInt16BE(data.length, i * 5 + 3);
    offset += data.length;
  });
  table.writeUInt8(PreloginOption.TERMINATOR, tableLength - 1);
  return Buffer.concat([table, ...options.map(([, data]) => data)]);
}
