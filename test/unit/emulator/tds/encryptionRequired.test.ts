// A server that requires encryption (a managed instance) answers ENCRYPT_REQ: a client that sent
// OFF then encrypts the whole connection, one that sent NOT_SUP is refused (the connection closes).
import { chooseEncryption, Encryption } from '../../../../emulator/tds/login/prelogin';

describe('chooseEncryption when the server requires encryption', () => {
  it('answers ON to ON and REQ to OFF, NOT_SUP and a missing option', () => {
    expect(chooseEncryption(Encryption.ON, false, true)).toBe(Encryption.ON);
    expect(chooseEncryption(Encryption.OFF, false, true)).toBe(Encryption.REQ);
    expect(chooseEncryption(Encryption.NOT_SUP, false, true)).toBe(Encryption.REQ);
    expect(chooseEncryption(undefined, false, true)).toBe(Encryption.REQ);
  });

  it('leaves SQL Server as it was: OFF and NOT_SUP get NOT_SUP; TLS already up (TDS 8) gets NOT_SUP', () => {
    expect(chooseEncryption(Encryption.OFF, false)).toBe(Encryption.NOT_SUP);
    expect(chooseEncryption(Encryption.ON, false)).toBe(Encryption.ON);
    expect(chooseEncryption(Encryption.ON, true, true)).toBe(Encryption.NOT_SUP);
  });
});
