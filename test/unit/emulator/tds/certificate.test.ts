import { X509Certificate, createPrivateKey } from 'node:crypto';
import { generateTlsMaterial } from '../../../../emulator/tds/tls/certificate';

describe('generateTlsMaterial', () => {
  const material = generateTlsMaterial(['SQL01\\INST', 'bad name!', '::1']);

  it('issues a server certificate signed by the local CA, for the host names and loopback', () => {
    const ca = new X509Certificate(material.ca);
    const cert = new X509Certificate(material.cert);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('sql01')).toBe('sql01');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.subjectAltName).not.toContain('bad');
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 365 * 86_400_000);
  });

  it('pairs the private key with the certificate', () => {
    const key = createPrivateKey(material.key);
    expect(new X509Certificate(material.cert).checkPrivateKey(key)).toBe(true);
  });

  it('caches the material per set of names', () => {
    expect(generateTlsMaterial(['::1', 'sql01\\other', 'bad name!'])).toBe(material);
    expect(generateTlsMaterial(['another-host'])).not.toBe(material);
  });
});
