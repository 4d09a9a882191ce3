// Built-in functions whose answer depends on the server or the session (EvalContext.callFunction):
// SUSER_SNAME, HAS_DBACCESS, DATABASEPROPERTYEX, OBJECT_ID and friends. Returning undefined leaves
// the name to the evaluator (195 when nobody knows it).
import type { SqlValue } from '../tds/types';
import { accessError } from './access';
import { findTable, findTableById, objectIdOf, schemaIdOf, schemasOf } from './catalog/userObjects';
import type { EmulatedInstance } from './instance';
import { splitMultipartName } from './names';
import { databasePrincipals, loginSid, sidBuffer, sidHex } from './principals';

/** the fixed server roles' names by principal_id (their SIDs are the id as one byte) */
const SERVER_ROLE_NAMES: Record<number, string> = {
  2: 'public',
  3: 'sysadmin',
  4: 'securityadmin',
  5: 'serveradmin',
  6: 'setupadmin',
  7: 'processadmin',
  8: 'diskadmin',
  9: 'dbcreator',
  10: 'bulkadmin',
};

/** the name of the server principal (login or fixed role) that matches */
function serverPrincipalName(inst: EmulatedInstance, match: (p: { sid: string; principalId: number }) => boolean): string | null {
  for (const l of inst.config.logins) if (match({ sid: loginSid(inst.config.name, l), principalId: l.principalId ?? 0 })) return l.name;
  for (const [id, name] of Object.entries(SERVER_ROLE_NAMES)) {
    if (match({ sid: Number(id).toString(16).padStart(2, '0').toUpperCase(), principalId: Number(id) })) return name;
  }
  return null;
}

export interface FunctionSession {
  spid: number;
  loginName: string;
  hostName: string;
  programName: string;
  currentDatabase(): string;
  isSysadmin: boolean;
}

const str = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

export function callServerFunction(inst: EmulatedInstance, session: FunctionSession, name: string, args: SqlValue[]): SqlValue | undefined {
  switch (name.toUpperCase()) {
    case 'SUSER_SNAME':
      // SUSER_SNAME(sid): the login (or server role) with that SID
      if (args.length === 0) return session.loginName;
      return Buffer.isBuffer(args[0]) ? serverPrincipalName(inst, (p) => p.sid === sidHex(args[0] as Buffer)) : null;
    case 'SUSER_NAME':
      if (args.length === 0) return session.loginName;
      return args[0] === null ? null : serverPrincipalName(inst, (p) => p.principalId === Number(args[0]));
    case 'SUSER_SID': {
      const login = inst.findLogin(args.length === 0 || args[0] === null ? session.loginName : String(args[0]));
      return login ? sidBuffer(loginSid(inst.config.name, login)) : null;
    }
    case 'ORIGINAL_LOGIN':
    case 'SYSTEM_USER':
      return args.length === 0 ? session.loginName : null;
    case 'USER_NAME':
    case 'CURRENT_USER':
    case 'SESSION_USER':
    case 'USER':
      return args.length === 0 ? currentUserName(inst, session) : userName(inst, session, args[0]);
    case 'HOST_NAME':
      return session.hostName;
    case 'APP_NAME':
      return session.programName;
    case 'IS_SRVROLEMEMBER':
      return str(args[0])?.toLowerCase() === 'sysadmin' ? (session.isSysadmin ? 1 : 0) : 0;
    case 'IS_MEMBER':
      return str(args[0])?.toLowerCase() === 'db_owner' && session.isSysadmin ? 1 : 0;
    case 'HAS_DBACCESS':
      return hasDbAccess(inst, session, str(args[0]));
    case 'DATABASEPROPERTYEX':
      return databasePropertyEx(inst, str(args[0]), str(args[1]));
    case 'OBJECT_ID':
      return objectId(inst, session, str(args[0]), str(args[1]));
    case 'OBJECT_NAME':
    case 'OBJECT_SCHEMA_NAME':
      return objectName(inst, session, name.toUpperCase() === 'OBJECT_SCHEMA_NAME', args[0], args[1]);
    case 'SCHEMA_ID': {
      const db = inst.findDatabase(session.currentDatabase());
      return db ? (schemaIdOf(db, str(args[0]) ?? 'dbo') ?? null) : null;
    }
    case 'SCHEMA_NAME': {
      const db = inst.findDatabase(session.currentDatabase());
      const id = args.length === 0 ? 1 : Number(args[0]);
      return db ? (schemasOf(db).find((s) => s.schemaId === id)?.name ?? null) : null;
    }
    default:
      return undefined;
  }
}

/** the user the session is in its database: dbo for sysadmin, the user with the login's SID, else guest */
function currentUserName(inst: EmulatedInstance, session: FunctionSession): string {
  if (session.isSysadmin) return 'dbo';
  const db = inst.findDatabase(session.currentDatabase());
  const login = inst.findLogin(session.loginName);
  if (!db || !login) return 'guest';
  const sid = loginSid(inst.config.name, login);
  return db.users?.find((u) => !u.withoutLogin && u.sid === sid)?.name ?? 'guest';
}

/** USER_NAME(id): the principal of the session's database with that principal_id */
function userName(inst: EmulatedInstance, session: FunctionSession, id: SqlValue | undefined): SqlValue {
  if (id === null || id === undefined) return null;
  const db = inst.findDatabase(session.currentDatabase());
  return db ? (databasePrincipals(db).find((p) => p.principalId === Number(id))?.name ?? null) : null;
}

function hasDbAccess(inst: EmulatedInstance, session: FunctionSession, name: string | null): SqlValue {
  if (name === null) return null;
  const db = inst.findDatabase(name);
  if (!db) return null;
  return accessError(inst, db, session.spid) ? 0 : 1;
}

function databasePropertyEx(inst: EmulatedInstance, name: string | null, property: string | null): SqlValue {
  if (name === null || property === null) return null;
  const db = inst.findDatabase(name);
  if (!db) return null;
  const online = db.state === 'ONLINE';
  switch (property.toLowerCase()) {
    case 'status':
      return db.state;
    case 'recovery':
      return db.recoveryModel;
    case 'useraccess':
      return db.userAccess;
    case 'updateability':
      return db.readOnly ? 'READ_ONLY' : 'READ_WRITE';
    case 'collation':
      return online ? db.collation : null;
    case 'version':
      return online ? db.databaseVersion : null;
    case 'isautoclose':
    case 'isautoshrink':
    case 'isinstandby':
    case 'issingleuser':
      return property.toLowerCase() === 'issingleuser' ? (db.userAccess === 'SINGLE_USER' ? 1 : 0) : 0;
    case 'isencrypted':
      return db.tde === 'none' ? 0 : 1;
    case 'isfulltextenabled':
      return 1;
    case 'edition':
      return inst.config.kind === 'managedInstance' ? 'GeneralPurpose' : null;
    case 'serviceobjective':
      return inst.config.kind === 'managedInstance' ? 'GP_Gen5' : null;
    case 'comparisonstyle':
      return 196609;
    case 'lcid':
      return 1033;
    case 'sqlsortorder':
      return 52;
    default:
      return null;
  }
}

function objectId(inst: EmulatedInstance, session: FunctionSession, text: string | null, type: string | null): SqlValue {
  if (text === null) return null;
  if (type !== null && type.trim().toUpperCase() !== 'U') return null;
  const parts = splitMultipartName(text);
  if (parts.length > 3 || parts.some((p, i) => p === '' && i === parts.length - 1)) return null;
  const [dbName, schema, name] =
    parts.length === 3 ? parts : parts.length === 2 ? [session.currentDatabase(), parts[0], parts[1]] : [session.currentDatabase(), 'dbo', parts[0]];
  const db = inst.findDatabase(dbName || session.currentDatabase());
  if (!db || db.state !== 'ONLINE') return null;
  const table = findTable(db, schema || 'dbo', name);
  return table ? objectIdOf(table) : null;
}

function objectName(inst: EmulatedInstance, session: FunctionSession, schemaOnly: boolean, id: SqlValue | undefined, dbId: SqlValue | undefined): SqlValue {
  if (id === null || id === undefined) return null;
  const db = dbId === undefined || dbId === null ? inst.findDatabase(session.currentDatabase()) : inst.findDatabaseById(Number(dbId));
  if (!db) return null;
  const table = findTableById(db, Number(id));
  if (!table) return null;
  return schemaOnly ? table.schema : table.name;
}
