import Login7Payload from 'tedious/lib/login7-payload';
import PreloginPayload from 'tedious/lib/prelogin-payload';
import {
  TdsVersion,
  decodePassword,
  encodePassword,
  negotiateTdsVersion,
  parseLogin7,
} from '../../../../emulator/tds/login/login7';
import { Encryption, buildPreloginResponse, chooseEncryption, parsePrelogin } from '../../../../emulator/tds/login/prelogin';

describe('LOGIN7', () => {
  function tediousLogin(): Buffer {
    const login = new Login7Payload({
      tdsVersion: TdsVersion.V7_4,
      packetSize: 8192,
      clientProgVer: 0,
      clientPid: 4242,
      connectionId: 0,
      clientTimeZone: 0,
      clientLcid: 0x409,
    });
    login.userName = 'automation';
    login.password = 'p@ss wörd ✓';
    login.appName = 'mi-autopilot';
    login.serverName = 'sql01.contoso.local';
    login.hostname = 'worker-7';
    login.libraryName = 'Tedious';
    login.language = 'us_english';
    login.database = 'SalesDb';
    return login.toBuffer();
  }

  it('parses what tedious sends, including the obfuscated password and UTF8_SUPPORT', () => {
    const login = parseLogin7(tediousLogin());
    expect(login).toMatchObject({
      tdsVersion: TdsVersion.V7_4,
      packetSize: 8192,
      clientPid: 4242,
      userName: 'automation',
      password: 'p@ss wörd ✓',
      appName: 'mi-autopilot',
      serverName: 'sql01.contoso.local',
      hostName: 'worker-7',
      libraryName: 'Tedious',
      language: 'us_english',
      database: 'SalesDb',
      integratedSecurity: false,
    });
    expect(login.features.get(0x0a)).toEqual(Buffer.from([1]));
  });

  it('reads an access token from the FEDAUTH feature (security-token library)', () => {
    const login = new Login7Payload({
      tdsVersion: TdsVersion.V7_4,
      packetSize: 4096,
      clientProgVer: 0,
      clientPid: 1,
      connectionId: 0,
      clientTimeZone: 0,
      clientLcid: 0x409,
    });
    Object.assign(login, { hostname: 'h', appName: 'a', serverName: 's', libraryName: 'l', language: '', database: '' });
    login.fedAuth = { type: 'SECURITYTOKEN', echo: true, fedAuthToken: 'tok.en-ü' };
    const parsed = parseLogin7(login.toBuffer());
    expect(parsed.fedAuth).toEqual({ library: 1, token: 'tok.en-ü' });
    login.fedAuth = { type: 'ADAL', echo: false, workflow: 'default' };
    expect(parseLogin7(login.toBuffer()).fedAuth).toEqual({ library: 2 });
  });

  it('de-obfuscates passwords: XOR 0xA5, then swap nibbles', () => {
    // 'a' = 0x61 0x00 -> swapped 0x16 0x00 -> xor 0xB3 0xA5
    expect(encodePassword('a')).toEqual(Buffer.from([0xb3, 0xa5]));
    expect(decodePassword(Buffer.from([0xb3, 0xa5]))).toBe('a');
    expect(decodePassword(encodePassword('Zürich 🚀'))).toBe('Zürich 🚀');
  });

  it('rejects truncated or out-of-bounds payloads', () => {
    expect(() => parseLogin7(Buffer.alloc(20))).toThrow(/too short/);
    const broken = tediousLogin();
    broken.writeUInt16LE(0xfff0, 40); // UserName offset beyond the payload
    expect(() => parseLogin7(broken)).toThrow(/out of bounds/);
  });

  it('negotiates the TDS version down to what both speak', () => {
    expect(negotiateTdsVersion(TdsVersion.V7_4)).toBe(TdsVersion.V7_4);
    expect(negotiateTdsVersion(TdsVersion.V7_3B)).toBe(TdsVersion.V7_3B);
    expect(negotiateTdsVersion(TdsVersion.V7_2)).toBe(TdsVersion.V7_2);
    expect(negotiateTdsVersion(TdsVersion.V8_0)).toBe(TdsVersion.V7_4);
    expect(negotiateTdsVersion(0x75000000)).toBe(TdsVersion.V7_4);
    expect(negotiateTdsVersion(TdsVersion.V7_1)).toBeUndefined();
  });
});

describe('PRELOGIN', () => {
  it('reads the client ENCRYPTION option as tedious writes it', () => {
    const on = new PreloginPayload({ encrypt: true, version: { major: 19, minor: 2, build: 2, subbuild: 0 } });
    const off = new PreloginPayload({ encrypt: false, version: { major: 19, minor: 2, build: 2, subbuild: 0 } });
    expect(parsePrelogin(on.data).encryption).toBe(Encryption.ON);
    expect(parsePrelogin(off.data).encryption).toBe(Encryption.NOT_SUP);
  });

  it('answers ON only to ON/REQ, NOT_SUP to FreeTDS OFF and inside strict TLS', () => {
    expect(chooseEncryption(Encryption.ON, false)).toBe(Encryption.ON);
    expect(chooseEncryption(Encryption.REQ, false)).toBe(Encryption.ON);
    expect(chooseEncryption(Encryption.OFF, false)).toBe(Encryption.NOT_SUP);
    expect(chooseEncryption(Encryption.NOT_SUP, false)).toBe(Encryption.NOT_SUP);
    expect(chooseEncryption(undefined, false)).toBe(Encryption.NOT_SUP);
    expect(chooseEncryption(Encryption.ON, true)).toBe(Encryption.NOT_SUP);
  });

  it('builds a response tedious parses, with the server version', () => {
    const parsed = new PreloginPayload(buildPreloginResponse([16, 0, 0x10, 0x27], Encryption.ON));
    expect(parsed.encryption).toBe(Encryption.ON);
    expect(parsed.version).toMatchObject({ major: 16, minor: 0, build: 4135 });
    expect(parsed.mars).toBe(0);
  });
});
