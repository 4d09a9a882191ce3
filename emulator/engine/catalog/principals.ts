// sys.server_principals, sys.sql_logins (server-scoped) and sys.database_principals (per database:
// [db].sys.database_principals, or the session's database), with the columns and types the docs
// give. SIDs are varbinary(85) (engine/principals.ts says where they come from).
import { createHash } from 'node:crypto';
import type { Login } from '../model';
import { AUTHENTICATION_TYPE_DESC, BUILT_IN_CREATE_DATE, databasePrincipals, loginSid, loginType, sidBuffer, TYPE_DESC, type DatabasePrincipalRow } from '../principals';
import { bit, c, view, type Field } from './columns';
import type { CatalogScope } from './scope';

interface ServerPrincipalRow {
  name: string;
  principalId: number;
  sid: string;
  type: 'S' | 'E' | 'R';
  isDisabled: boolean;
  createDate: Date;
  modifyDate: Date;
  defaultDatabase: string | null;
  defaultLanguage: string | null;
  owningPrincipalId: number | null;
  isFixedRole: boolean;
  login?: Login;
}

const SERVER_TYPE_DESC: Record<ServerPrincipalRow['type'], string> = { S: 'SQL_LOGIN', E: 'EXTERNAL_LOGIN', R: 'SERVER_ROLE' };

/** public and the fixed server roles, with their SIDs (0x02 ... 0x0A) */
const SERVER_ROLES: [string, number][] = [
  ['public', 2],
  ['sysadmin', 3],
  ['securityadmin', 4],
  ['serveradmin', 5],
  ['setupadmin', 6],
  ['processadmin', 7],
  ['diskadmin', 8],
  ['dbcreator', 9],
  ['bulkadmin', 10],
];

function serverPrincipals(scope: CatalogScope): ServerPrincipalRow[] {
  const inst = scope.instance;
  const logins: ServerPrincipalRow[] = inst.config.logins.map((l) => ({
    name: l.name,
    principalId: l.principalId ?? 0,
    sid: loginSid(inst.config.name, l),
    type: loginType(l),
    isDisabled: false,
    createDate: l.createDate ?? inst.startTime,
    modifyDate: l.modifyDate ?? l.createDate ?? inst.startTime,
    defaultDatabase: l.defaultDatabase ?? 'master',
    defaultLanguage: 'us_english',
    owningPrincipalId: null,
    isFixedRole: false,
    login: l,
  }));
  const roles: ServerPrincipalRow[] = SERVER_ROLES.map(([name, id]) => ({
    name,
    principalId: id,
    sid: id.toString(16).padStart(2, '0').toUpperCase(),
    type: 'R',
    isDisabled: false,
    createDate: BUILT_IN_CREATE_DATE,
    modifyDate: BUILT_IN_CREATE_DATE,
    defaultDatabase: null,
    defaultLanguage: null,
    owningPrincipalId: 1,
    isFixedRole: id !== 2,
  }));
  return [...logins, ...roles].sort((a, b) => a.principalId - b.principalId);
}

function serverPrincipalFields(): Field<ServerPrincipalRow>[] {
  return [
    c.sysname('name', (r) => r.name),
    c.int('principal_id', (r) => r.principalId),
    c.varbinary('sid', 85, (r) => sidBuffer(r.sid)),
    c.char('type', 1, (r) => r.type, false),
    c.nvarchar('type_desc', 60, (r) => SERVER_TYPE_DESC[r.type]),
    c.int('is_disabled', (r) => bit(r.isDisabled), true),
    c.datetime('create_date', (r) => r.createDate, false),
    c.datetime('modify_date', (r) => r.modifyDate, false),
    c.sysname('default_database_name', (r) => r.defaultDatabase, true),
    c.sysname('default_language_name', (r) => r.defaultLanguage, true),
    c.int('credential_id', () => null, true),
    c.int('owning_principal_id', (r) => r.owningPrincipalId, true),
    c.bit('is_fixed_role', (r) => bit(r.isFixedRole)),
  ];
}

export function sysServerPrincipals(scope: CatalogScope) {
  return view<ServerPrincipalRow>(serverPrincipalFields(), () => serverPrincipals(scope));
}

/**
 * SQL Server 2012+'s password hash: 0x0200, a 4-byte salt, SHA-512 of the UTF-16 password and the
 * salt (the salt here comes from the SID, so the hash is stable).
 */
function passwordHash(login: Login, sid: string): Buffer {
  const salt = createHash('sha256').update(`salt\u0000${sid}`).digest().subarray(0, 4);
  const digest = createHash('sha512').update(Buffer.concat([Buffer.from(login.password, 'utf16le'), salt])).digest();
  return Buffer.concat([Buffer.from([0x02, 0x00]), salt, digest]);
}

export function sysSqlLogins(scope: CatalogScope) {
  return view<ServerPrincipalRow>(
    [
      ...serverPrincipalFields(),
      c.bit('is_policy_checked', (r) => bit(r.login?.checkPolicy ?? true), true),
      c.bit('is_expiration_checked', (r) => bit(r.login?.checkExpiration ?? false), true),
      c.varbinary('password_hash', 256, (r) => (r.login ? passwordHash(r.login, r.sid) : null)),
    ],
    () => serverPrincipals(scope).filter((r) => r.type === 'S'),
  );
}

export function sysDatabasePrincipals(scope: CatalogScope) {
  return view<DatabasePrincipalRow>(
    [
      c.sysname('name', (r) => r.name),
      c.int('principal_id', (r) => r.principalId),
      c.char('type', 1, (r) => r.type, false),
      c.nvarchar('type_desc', 60, (r) => TYPE_DESC[r.type]),
      c.sysname('default_schema_name', (r) => r.defaultSchema, true),
      c.datetime('create_date', (r) => r.createDate, false),
      c.datetime('modify_date', (r) => r.modifyDate, false),
      c.int('owning_principal_id', (r) => r.owningPrincipalId, true),
      c.varbinary('sid', 85, (r) => (r.sid === null ? null : sidBuffer(r.sid))),
      c.bit('is_fixed_role', (r) => bit(r.isFixedRole)),
      c.int('authentication_type', (r) => r.authenticationType),
      c.nvarchar('authentication_type_desc', 60, (r) => AUTHENTICATION_TYPE_DESC[r.authenticationType], false),
      c.sysname('default_language_name', () => null, true),
      c.int('default_language_lcid', () => null, true),
      c.bit('allow_encrypted_value_modifications', () => 0),
    ],
    () => databasePrincipals(scope.database),
  );
}
