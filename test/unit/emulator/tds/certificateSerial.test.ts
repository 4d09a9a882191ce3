// Many certificates in a row: a serial number with a non-minimal DER encoding makes Node's
// OpenSSL refuse the certificate ("illegal padding") one time in sixteen.
import { X509Certificate } from 'node:crypto';
import { generateTlsMaterial } from '../../../../emulator/tds/tls/certificate';

test('every generated certificate parses with OpenSSL', () => {
  for (let i = 0; i < 12; i++) {
    const material = generateTlsMaterial([`host-${i}.serial-test`]);
    expect(new X509Certificate(material.ca).ca).toBe(true);
    expect(new X509Certificate(material.cert).ca).toBe(false);
  }
}, 120_000);
