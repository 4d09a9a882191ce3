// Server and database principals: the SIDs of logins, the built-in principals every database has,
// and lookups the catalog views and the CREATE / ALTER / DROP USER and LOGIN statements share.
//
// SIDs, as SQL Server gives them:
// - sa is 0x01, and dbo is 0x01 in a database sa owns (the emulator's databases are sa-owned);
// - a SQL login gets a new 16-byte SID when it is created, so a login of the same name on two
//   servers has two SIDs unless CREATE LOGIN ... WITH SID gave it the other's. The emulator derives
//   it from the instance and login names (stable across restarts, different between instances)
//   unless the estate file sets `sid`;
// - an Entra login's SID is its object id as uniqueidentifier bytes, the same on every server;
// - a database user has the SID of the login it was created for (or re-mapped to with ALTER USER
//   ... WITH LOGIN), and keeps it through BACKUP and RESTORE: restored where that login has another
//   SID (or is missing), the user is orphaned.
import { createHash, randomBytes } from 'node:crypto';
import type { Database, DatabaseUser, Login } from './model';
import { sameName } from './names';

export const SA_SID = '01';
/** principal_id of the first login after sa (INFERRED: SQL Server's own logins and certificates come before) */
export const FIRST_LOGIN_PRINCIPAL_ID = 256;
/** principal_id of the first database user (0-4 are public, dbo, guest, INFORMATION_SCHEMA, sys) */
export const FIRST_USER_PRINCIPAL_ID = 5;
/** sa's create_date on every SQL Server */
export const SA_CREATE_DATE = new Date('2003-04-08T09:10:35.460Z');
/** the fixed roles' and built-in users' create_date (INFERRED: the date of the resource database's build) */
export const BUILT_IN_CREATE_DATE = new Date('2009-04-13T12:59:11.093Z');

export const sidHex = (sid: Buffer): string => sid.toString('hex').toUpperCase();
export const sidBuffer = (hex: string): Buffer => Buffer.from(hex, 'hex');

/** '0x0A1B…' or '0A1B…' -> '0A1B…' (undefined when not hex of 1-85 bytes) */
export function parseSid(text: string): string | undefined {
  const hex = text.replace(/^0x/i, '');
  if (!/^([0-9a-fA-F]{2}){1,85}$/.test(hex)) return undefined;
  return hex.toUpperCase();
}

/** a SQL login's SID when the estate file sets none: 16 bytes from the instance and login names */
export function derivedLoginSid(instanceName: string, loginName: string): string {
  const digest = createHash('sha256').update(`sql-login\u0000${instanceName.toLowerCase()}\u0000${loginName.toLowerCase()}`).digest();
  return sidHex(digest.subarray(0, 16));
}

/** an Entra principal's SID: its object id converted as SQL Server converts a uniqueidentifier to varbinary(16) */
export function entraSid(objectId: string): string {
  const hex = objectId.replace(/-/g, '').toLowerCase();
  const bytes = Buffer.from(hex, 'hex');
  const swapped = Buffer.concat([Buffer.from(bytes.subarray(0, 4)).reverse(), Buffer.from(bytes.subarray(4, 6)).reverse(), Buffer.from(bytes.subarray(6, 8)).reverse(), bytes.subarray(8)]);
  return sidHex(swapped);
}

/** a new SQL login's SID (CREATE LOGIN without SID): random, as SQL Server's */
export function newLoginSid(): string {
  return sidHex(randomBytes(16));
}

/** a user WITHOUT LOGIN: S-1-9-3-… (SQL Server's form for such users; the rest random) */
export function withoutLoginSid(): string {
  return '010500000000000903000000' + sidHex(randomBytes(16));
}

/** S-1-9-4-0-0-0-<id>: the SID a fixed database role has (db_owner: 0x0105…00400000) */
export function fixedRoleSid(principalId: number): string {
  const id = Buffer.alloc(4);
  id.writeUInt32LE(principalId);
  return '010500000000000904000000' + '00'.repeat(12) + sidHex(id);
}

/** the login's SID, filling in what an older state file or a test's config lacks */
export function loginSid(instanceName: string, login: Login): string {
  login.sid ??= login.entraObjectId ? entraSid(login.entraObjectId) : login.name.toLowerCase() === 'sa' ? SA_SID : derivedLoginSid(instanceName, login.name);
  return login.sid;
}

/** sys.server_principals.type of a login: S SQL login, E external (Entra) login */
export const loginType = (login: Login): 'S' | 'E' => (login.entraObjectId ? 'E' : 'S');

/**
 * Gives every login of the list a SID and a principal_id (sa 1, the others from 256 in order),
 * keeping those already set; a principal_id used twice goes to the later login anew.
 */
export function settleLogins(instanceName: string, logins: Login[], createDate: Date): void {
  const used = new Set<number>();
  for (const login of logins) {
    loginSid(instanceName, login);
    login.createDate ??= login.sid === SA_SID ? SA_CREATE_DATE : createDate;
    login.modifyDate ??= login.createDate;
    if (login.principalId !== undefined && !used.has(login.principalId)) used.add(login.principalId);
    else login.principalId = undefined;
  }
  for (const login of logins) {
    if (login.principalId !== undefined) continue;
    let id = login.sid === SA_SID && !used.has(1) ? 1 : FIRST_LOGIN_PRINCIPAL_ID + 1;
    while (used.has(id)) id++;
    login.principalId = id;
    used.add(id);
  }
}

/** the next principal_id CREATE LOGIN gives */
export function nextLoginPrincipalId(logins: Login[]): number {
  return Math.max(FIRST_LOGIN_PRINCIPAL_ID, ...logins.map((l) => l.principalId ?? 0)) + 1;
}

// ---- database principals ----------------------------------------------------------------------

export interface DatabasePrincipalRow {
  name: string;
  principalId: number;
  type: 'S' | 'E' | 'R';
  defaultSchema: string | null;
  createDate: Date;
  modifyDate: Date;
  owningPrincipalId: number | null;
  sid: string | null;
  isFixedRole: boolean;
  /** 0 NONE, 1 INSTANCE */
  authenticationType: 0 | 1;
}

export const TYPE_DESC: Record<string, string> = {
  S: 'SQL_USER',
  E: 'EXTERNAL_USER',
  X: 'EXTERNAL_GROUPS',
  U: 'WINDOWS_USER',
  G: 'WINDOWS_GROUP',
  R: 'DATABASE_ROLE',
  A: 'APPLICATION_ROLE',
  C: 'CERTIFICATE_MAPPED_USER',
  K: 'ASYMMETRIC_KEY_MAPPED_USER',
};

export const AUTHENTICATION_TYPE_DESC = ['NONE', 'INSTANCE', 'DATABASE', 'WINDOWS', 'EXTERNAL'];

/** the users every database has, which CREATE USER cannot take the name of and ALTER / DROP USER cannot change */
export const BUILT_IN_USERS = ['dbo', 'guest', 'INFORMATION_SCHEMA', 'sys'];

const FIXED_ROLES: [string, number][] = [
  ['db_owner', 16384],
  ['db_accessadmin', 16385],
  ['db_securityadmin', 16386],
  ['db_ddladmin', 16387],
  ['db_backupoperator', 16389],
  ['db_datareader', 16390],
  ['db_datawriter', 16391],
  ['db_denydatareader', 16392],
  ['db_denydatawriter', 16393],
];

/** public, dbo, guest, INFORMATION_SCHEMA, sys and the fixed roles, as every database has them */
export function builtInPrincipals(db: Database): DatabasePrincipalRow[] {
  const user = (name: string, principalId: number, sid: string | null, defaultSchema: string | null, authenticationType: 0 | 1, created: Date): DatabasePrincipalRow => ({
    name,
    principalId,
    type: 'S',
    defaultSchema,
    createDate: created,
    modifyDate: created,
    owningPrincipalId: null,
    sid,
    isFixedRole: false,
    authenticationType,
  });
  const role = (name: string, principalId: number, sid: string, fixed: boolean): DatabasePrincipalRow => ({
    name,
    principalId,
    type: 'R',
    defaultSchema: null,
    createDate: BUILT_IN_CREATE_DATE,
    modifyDate: BUILT_IN_CREATE_DATE,
    owningPrincipalId: 1,
    sid,
    isFixedRole: fixed,
    authenticationType: 0,
  });
  return [
    role('public', 0, '01', false),
    user('dbo', 1, SA_SID, 'dbo', 1, db.createDate),
    user('guest', 2, '00', 'guest', 0, BUILT_IN_CREATE_DATE),
    user('INFORMATION_SCHEMA', 3, null, null, 0, BUILT_IN_CREATE_DATE),
    user('sys', 4, null, null, 0, BUILT_IN_CREATE_DATE),
    ...FIXED_ROLES.map(([name, id]) => role(name, id, fixedRoleSid(id), true)),
  ];
}

export function userRow(u: DatabaseUser): DatabasePrincipalRow {
  return {
    name: u.name,
    principalId: u.principalId,
    type: u.type,
    defaultSchema: u.defaultSchema,
    createDate: u.createDate,
    modifyDate: u.modifyDate,
    owningPrincipalId: null,
    sid: u.sid,
    isFixedRole: false,
    authenticationType: u.withoutLogin ? 0 : 1,
  };
}

/** every principal of the database in principal_id order */
export function databasePrincipals(db: Database): DatabasePrincipalRow[] {
  return [...builtInPrincipals(db), ...(db.users ?? []).map(userRow)].sort((a, b) => a.principalId - b.principalId);
}

export function findUser(db: Database, name: string): DatabaseUser | undefined {
  return db.users?.find((u) => sameName(u.name, name));
}

/** a built-in principal (user or role) of that name */
export function builtInPrincipal(db: Database, name: string): DatabasePrincipalRow | undefined {
  return builtInPrincipals(db).find((p) => sameName(p.name, name));
}

/** the lowest principal_id from 5 up that no user of the database has */
export function nextUserPrincipalId(db: Database): number {
  const used = new Set((db.users ?? []).map((u) => u.principalId));
  let id = FIRST_USER_PRINCIPAL_ID;
  while (used.has(id)) id++;
  return id;
}

/** the principal (dbo or a user) that already has this SID in the database */
export function principalWithSid(db: Database, sid: string): string | undefined {
  if (sid === SA_SID) return 'dbo';
  return db.users?.find((u) => u.sid === sid)?.name;
}

export const copyUsers = (users: DatabaseUser[] | undefined): DatabaseUser[] | undefined => users?.map((u) => ({ ...u }));
