// Generates the emulator's TLS material: a local CA and a server certificate it signs, with SANs for
// the given host names (plus localhost and 127.0.0.1). Clients can trust the CA
// (cryptoCredentialsDetails: { ca }) instead of trustServerCertificate. RSA generation is slow, so the
// material is cached per process and per host-name set.
import forge from 'node-forge';
import type { TlsMaterial } from '../types';

const cache = new Map<string, TlsMaterial>();

const DAY_MS = 86_400_000;

function serialNumber(): string {
  // A positive 16-byte serial in minimal DER: the first byte is 0x01 (never 0x00, which OpenSSL 3
  // rejects as "illegal padding", and never >= 0x80, which would make it negative).
  return `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
}

function isIpAddress(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || (/^[0-9a-f:]+$/.test(name) && name.includes(':'));
}

function newCertificate(publicKey: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
  return cert;
}

/**
 * A name usable in a subjectAltName: instance names like "HOST\\INSTANCE" keep the host part, and
 * anything that is not a DNS name or an IP address is left out.
 */
function sanName(name: string): string | undefined {
  const host = name.split('\\')[0].trim().toLowerCase();
  if (isIpAddress(host)) return host;
  return /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(host) ? host : undefined;
}

export function generateTlsMaterial(hostnames: string[]): TlsMaterial {
  const extra = hostnames.map(sanName).filter((n): n is string => n !== undefined);
  const names = [...new Set(['localhost', '127.0.0.1', ...extra])].sort();
  const key = names.join(',');
  const cached = cache.get(key);
  if (cached) return cached;

  const caKeys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const ca = newCertificate(caKeys.publicKey, 3650);
  const caName = [
    { name: 'commonName', value: 'mi-autopilot emulator local CA' },
    { name: 'organizationName', value: 'mi-autopilot emulator' },
  ];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const server = newCertificate(serverKeys.publicKey, 825);
  server.setSubject([{ name: 'commonName', value: names.includes('localhost') ? 'localhost' : names[0] }]);
  server.setIssuer(caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (isIpAddress(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  const material: TlsMaterial = {
    key: forge.pki.privateKeyToPem(serverKeys.privateKey),
    cert: forge.pki.certificateToPem(server),
    ca: forge.pki.certificateToPem(ca),
  };
  cache.set(key, material);
  return material;
}
