// LOGIN7: the fixed header, the (offset, length) string table, the obfuscated password and the
// FeatureExt block (TDS 7.4).
import { ByteReader, TdsProtocolError } from '../byteReader';

export const TdsVersion = {
  V7_1: 0x71000001,
  V7_2: 0x72090002,
  V7_3A: 0x730a0003,
  V7_3B: 0x730b0003,
  V7_4: 0x74000004,
  V8_0: 0x08000000,
} as const;

const FIXED_HEADER = 94;
const FLAG3_EXTENSION = 0x10;
const FEATURE_TERMINATOR = 0xff;

export interface Login7 {
  tdsVersion: number;
  packetSize: number;
  clientPid: number;
  hostName: string;
  userName: string;
  password: string;
  appName: string;
  serverName: string;
  libraryName: string;
  language: string;
  database: string;
  /** integrated (SSPI) security requested: the emulator only does SQL logins */
  integratedSecurity: boolean;
  features: Map<number, Buffer>;
  /** the FEDAUTH feature: its library (1 = security token, 2 = ADAL) and, for 1, the token */
  fedAuth?: { library: number; token?: string };
}

const FEATURE_FEDAUTH = 0x02;
export const FEDAUTH_LIBRARY_SECURITY_TOKEN = 0x01;
/** the ADAL workflow: the server answers with FEDAUTHINFO, the client then sends FEDAUTH_TOKEN */
export const FEDAUTH_LIBRARY_ADAL = 0x02;

/** FEDAUTH feature data: options byte (library << 1 | echo), then for a security token its length and UTF-16 text. */
function readFedAuth(data: Buffer): { library: number; token?: string } {
  const r = new ByteReader(data);
  const library = r.u8() >> 1;
  if (library !== FEDAUTH_LIBRARY_SECURITY_TOKEN) return { library };
  const length = r.u32le();
  return { library, token: r.bytes(length).toString('utf16le') };
}

/** Undoes the LOGIN7 password obfuscation: XOR with 0xA5, then swap the nibbles of each byte. */
export function decodePassword(obfuscated: Buffer): string {
  const plain = Buffer.alloc(obfuscated.length);
  for (let i = 0; i < obfuscated.length; i++) {
    const b = obfuscated[i] ^ 0xa5;
    plain[i] = ((b << 4) & 0xf0) | (b >> 4);
  }
  return plain.toString('utf16le');
}

/** The inverse of decodePassword (what clients do); used by tests. */
export function encodePassword(password: string): Buffer {
  const plain = Buffer.from(password, 'utf16le');
  const out = Buffer.alloc(plain.length);
  for (let i = 0; i < plain.length; i++) {
    const b = plain[i];
    out[i] = (((b << 4) & 0xf0) | (b >> 4)) ^ 0xa5;
  }
  return out;
}

function readFeatures(payload: Buffer, offset: number): Map<number, Buffer> {
  const features = new Map<number, Buffer>();
  const r = new ByteReader(payload, offset);
  while (r.remaining > 0) {
    const id = r.u8();
    if (id === FEATURE_TERMINATOR) break;
    const length = r.u32le();
    features.set(id, Buffer.from(r.bytes(length)));
  }
  return features;
}

export function parseLogin7(payload: Buffer): Login7 {
  if (payload.length < FIXED_HEADER) throw new TdsProtocolError('LOGIN7 too short');
  const r = new ByteReader(payload);
  r.u32le(); // total length
  const tdsVersion = r.u32le();
  const packetSize = r.u32le();
  r.u32le(); // client program version
  const clientPid = r.u32le();
  r.u32le(); // connection id
  r.u8(); // option flags 1
  const flags2 = r.u8();
  r.u8(); // type flags
  const flags3 = r.u8();
  r.i32le(); // client time zone
  r.u32le(); // client LCID

  const text = (): string => {
    const offset = r.u16le();
    const length = r.u16le();
    if (offset + length * 2 > payload.length) throw new TdsProtocolError('LOGIN7 string out of bounds');
    return payload.subarray(offset, offset + length * 2).toString('utf16le');
  };
  const hostName = text();
  const userName = text();
  const passwordOffset = r.u16le();
  const passwordLength = r.u16le();
  if (passwordOffset + passwordLength * 2 > payload.length) throw new TdsProtocolError('LOGIN7 password out of bounds');
  const password = decodePassword(payload.subarray(passwordOffset, passwordOffset + passwordLength * 2));
  const appName = text();
  const serverName = text();
  const extensionOffset = r.u16le();
  const extensionLength = r.u16le();
  const libraryName = text();
  const language = text();
  const database = text();

  let features = new Map<number, Buffer>();
  if (tdsVersion >= TdsVersion.V7_4 && flags3 & FLAG3_EXTENSION && extensionLength >= 4) {
    if (extensionOffset + 4 > payload.length) throw new TdsProtocolError('LOGIN7 extension out of bounds');
    features = readFeatures(payload, payload.readUInt32LE(extensionOffset));
  }
  return {
    tdsVersion,
    packetSize,
    clientPid,
    hostName,
    userName,
    password,
    appName,
    serverName,
    libraryName,
    language,
    database,
    integratedSecurity: (flags2 & 0x80) !== 0,
    features,
    fedAuth: features.has(FEATURE_FEDAUTH) ? readFedAuth(features.get(FEATURE_FEDAUTH) as Buffer) : undefined,
  };
}

/**
 * The TDS version for LOGINACK: the highest one both sides speak, or undefined if the client is
 * older than 7.2 (the emulator only writes the 7.2+ token layouts). TDS 8 logins run 7.4 tokens.
 */
export function negotiateTdsVersion(clientVersion: number): number | undefined {
  if (clientVersion === TdsVersion.V8_0) return TdsVersion.V7_4;
  const known = [TdsVersion.V7_4, TdsVersion.V7_3B, TdsVersion.V7_3A, TdsVersion.V7_2];
  return known.find((v) => v <= clientVersion);
}
