// SAS credentials for BACKUP/RESTORE TO/FROM URL. CREATE CREDENTIAL takes no variables, so the
// name and the secret are literals: the name is quoted like QUOTENAME, and the SAS must consist
// of the characters a SAS consists of, so a quote can never end the literal early.
import { AppError } from '../errors';
import { quoteLiteral, quoteName } from './quote';

const SAS_CHARS = /^[A-Za-z0-9%&=:+/._-]+$/;

/** The credential SQL Server picks for a URL: named by the container URL, without a trailing slash. */
export function credentialNameFor(containerUrl: string): string {
  return containerUrl.split('?')[0].replace(/\/+$/, '');
}

export function createSasCredential(containerUrl: string, sas: string): string {
  const secret = sas.replace(/^\?/, '');
  if (!SAS_CHARS.test(secret)) throw new AppError('BAD_SAS', 'the SAS token has characters a SAS never has; refusing to put it into T-SQL');
  const name = quoteName(credentialNameFor(containerUrl));
  // drop-and-create makes the step idempotent: a re-run replaces an expired secret
  return (
    `IF EXISTS (SELECT 1 FROM sys.credentials WHERE name = ${quoteLiteral(credentialNameFor(containerUrl))}) DROP CREDENTIAL ${name};\n` +
    `CREATE CREDENTIAL ${name} WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${secret}';`
  );
}

export function createManagedIdentityCredential(containerUrl: string): string {
  const name = quoteName(credentialNameFor(containerUrl));
  return (
    `IF NOT EXISTS (SELECT 1 FROM sys.credentials WHERE name = ${quoteLiteral(credentialNameFor(containerUrl))}) ` +
    `CREATE CREDENTIAL ${name} WITH IDENTITY = 'MANAGED IDENTITY';`
  );
}

export function dropCredential(containerUrl: string): string {
  const plain = credentialNameFor(containerUrl);
  return `IF EXISTS (SELECT 1 FROM sys.credentials WHERE name = ${quoteLiteral(plain)}) DROP CREDENTIAL ${quoteName(plain)};`;
}
