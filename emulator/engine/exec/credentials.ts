// CREATE / ALTER / DROP CREDENTIAL. The secret is kept for BACKUP/RESTORE TO URL and never shown.
import type { Statement } from '../../sql/ast';
import { SqlError } from '../../sqlError';
import type { ExecEnv } from './env';
import { asText, evaluate } from './values';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

export function runCreateCredential(env: ExecEnv, stmt: Of<'createCredential'>): void {
  const inst = env.session.instance;
  if (inst.findCredentialByName(stmt.name)) {
    throw new SqlError(15025, 2, 16, `The server principal '${stmt.name}' already exists.`);
  }
  const secret = stmt.secret ? evaluate(env, stmt.secret) : null;
  inst.credentials.push({
    credentialId: inst.nextCredentialId(),
    name: stmt.name,
    identity: asText(evaluate(env, stmt.identity)),
    secret: secret === null ? undefined : asText(secret),
    createDate: inst.now(),
  });
}

export function runAlterCredential(env: ExecEnv, stmt: Of<'alterCredential'>): void {
  const existing = env.session.instance.findCredentialByName(stmt.name);
  if (!existing) {
    throw new SqlError(15151, 1, 16, `Cannot alter the credential '${stmt.name}', because it does not exist or you do not have permission.`);
  }
  existing.identity = asText(evaluate(env, stmt.identity));
  const secret = stmt.secret ? evaluate(env, stmt.secret) : null;
  existing.secret = secret === null ? undefined : asText(secret);
}

export function runDropCredential(env: ExecEnv, stmt: Of<'dropCredential'>): void {
  const inst = env.session.instance;
  const existing = inst.findCredentialByName(stmt.name);
  if (!existing) {
    throw new SqlError(15151, 1, 16, `Cannot drop the credential '${stmt.name}', because it does not exist or you do not have permission.`);
  }
  inst.credentials.splice(inst.credentials.indexOf(existing), 1);
}
