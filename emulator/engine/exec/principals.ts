// CREATE / ALTER / DROP USER in the session's database, and CREATE / DROP LOGIN: what re-mapping
// orphaned users after a restore needs. Errors as SQL Server words them (sys.messages):
//   15007 "'x' is not a valid login or you do not have permission."        (CREATE USER FOR LOGIN x)
//   15023 "User, group, or role 'x' already exists in the current database."
//   15025 "The server principal 'x' already exists."                     (CREATE LOGIN)
//   15063 "The login already has an account under a different user name."
//   15150 "Cannot alter the user 'dbo'." / "Cannot drop the user 'dbo'."  (a built-in user)
//   15151 "Cannot alter the user 'x', because it does not exist or you do not have permission."
//         "Cannot alter the login 'x', ..."                              (ALTER USER ... WITH LOGIN = x; UNCONFIRMED wording)
//         "Cannot drop the user 'x', ..." / "Cannot drop the login 'x', ..."
//   15247 "User does not have permission to perform this action."         (not sysadmin)
//   15405 "Cannot use the special principal 'sa'."                       (sa is dbo in every database)
//   15419 "Supplied parameter sid should be binary(16)."                  (CREATE LOGIN WITH SID)
//   15433 "Supplied parameter sid is in use."
//   15434 "Could not drop login 'x' as the user is currently logged in."
//   15539 "User 'guest' cannot be dropped, it can only be disabled. ..."
//   33016 "The user cannot be remapped to a login. Remapping can only be done for users that were mapped to Windows or SQL logins."
//   3906  for a read-only database (READ_ONLY, a link's secondary)
import type { Statement } from '../../sql/ast';
import { SqlError } from '../../sqlError';
import { accessError } from '../access';
import type { Database, Login } from '../model';
import { sameName } from '../names';
import {
  BUILT_IN_USERS,
  builtInPrincipal,
  findUser,
  loginSid,
  newLoginSid,
  nextLoginPrincipalId,
  nextUserPrincipalId,
  principalWithSid,
  SA_SID,
  sidHex,
  withoutLoginSid,
} from '../principals';
import type { ExecEnv } from './env';
import { asText, evaluate } from './values';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

const noPermission = (): SqlError => new SqlError(15247, 1, 16, 'User does not have permission to perform this action.');
const cannot = (verb: string, what: string, name: string): SqlError =>
  new SqlError(15151, 1, 16, `Cannot ${verb} the ${what} '${name}', because it does not exist or you do not have permission.`);
const alreadyExists = (name: string): SqlError => new SqlError(15023, 1, 16, `User, group, or role '${name}' already exists in the current database.`);
const loginHasAccount = (): SqlError => new SqlError(15063, 1, 16, 'The login already has an account under a different user name.');
const specialPrincipal = (name: string): SqlError => new SqlError(15405, 1, 11, `Cannot use the special principal '${name}'.`);

/** the session's database, open and writable, for a statement that changes its principals */
function targetDatabase(env: ExecEnv): Database {
  const session = env.session;
  const inst = session.instance;
  if (!session.login.sysadmin) throw noPermission();
  const db = inst.findDatabase(session.currentDatabase());
  if (!db) throw new SqlError(911, 1, 16, `Database '${session.currentDatabase()}' does not exist. Make sure that the name is entered correctly.`);
  const error = accessError(inst, db, session.spid);
  if (error) throw error;
  if (db.readOnly || inst.isLinkSecondary(db)) throw new SqlError(3906, 1, 16, `Failed to update database "${db.name}" because the database is read-only.`);
  return db;
}

/** a name a new user or a renamed one cannot take: a built-in principal's or another user's */
function nameTaken(db: Database, name: string): boolean {
  return builtInPrincipal(db, name) !== undefined || findUser(db, name) !== undefined;
}

export function runCreateUser(env: ExecEnv, stmt: Of<'createUser'>): void {
  const db = targetDatabase(env);
  const inst = env.session.instance;
  if (nameTaken(db, stmt.name)) throw alreadyExists(stmt.name);
  const now = inst.now();
  if (stmt.withoutLogin) {
    db.users = [
      ...(db.users ?? []),
      { name: stmt.name, principalId: nextUserPrincipalId(db), type: 'S', sid: withoutLoginSid(), withoutLogin: true, defaultSchema: stmt.defaultSchema ?? 'dbo', createDate: now, modifyDate: now },
    ];
    return;
  }
  const loginName = stmt.login ?? stmt.name;
  const login = inst.findLogin(loginName);
  if (!login) throw new SqlError(15007, 1, 16, `'${loginName}' is not a valid login or you do not have permission.`);
  const sid = loginSid(inst.config.name, login);
  if (sid === SA_SID) throw specialPrincipal(login.name);
  if (principalWithSid(db, sid) !== undefined) throw loginHasAccount();
  db.users = [
    ...(db.users ?? []),
    { name: stmt.name, principalId: nextUserPrincipalId(db), type: login.entraObjectId ? 'E' : 'S', sid, defaultSchema: stmt.defaultSchema ?? 'dbo', createDate: now, modifyDate: now },
  ];
}

export function runAlterUser(env: ExecEnv, stmt: Of<'alterUser'>): void {
  const db = targetDatabase(env);
  const inst = env.session.instance;
  const user = findUser(db, stmt.name);
  if (!user) {
    if (BUILT_IN_USERS.some((n) => sameName(n, stmt.name)) && (stmt.login !== undefined || stmt.newName !== undefined)) {
      throw new SqlError(15150, 1, 16, `Cannot alter the user '${stmt.name}'.`);
    }
    if (!BUILT_IN_USERS.some((n) => sameName(n, stmt.name))) throw cannot('alter', 'user', stmt.name);
    return; // DEFAULT_SCHEMA of a built-in user: accepted, not modelled
  }
  let sid: string | undefined;
  let type = user.type;
  if (stmt.login !== undefined) {
    const login = inst.findLogin(stmt.login);
    if (!login) throw cannot('alter', 'login', stmt.login);
    if (user.withoutLogin) {
      throw new SqlError(33016, 1, 16, 'The user cannot be remapped to a login. Remapping can only be done for users that were mapped to Windows or SQL logins.');
    }
    sid = loginSid(inst.config.name, login);
    if (sid === SA_SID) throw specialPrincipal(login.name);
    const holder = principalWithSid(db, sid);
    if (holder !== undefined && !sameName(holder, user.name)) throw loginHasAccount();
    type = login.entraObjectId ? 'E' : 'S';
  }
  if (stmt.newName !== undefined && !sameName(stmt.newName, user.name) && nameTaken(db, stmt.newName)) throw alreadyExists(stmt.newName);
  if (sid !== undefined) {
    user.sid = sid;
    user.type = type;
  }
  if (stmt.newName !== undefined) user.name = stmt.newName;
  if (stmt.defaultSchema !== undefined) user.defaultSchema = stmt.defaultSchema;
  user.modifyDate = inst.now();
}

export function runDropUser(env: ExecEnv, stmt: Of<'dropUser'>): void {
  const db = targetDatabase(env);
  const user = findUser(db, stmt.name);
  if (!user) {
    if (sameName(stmt.name, 'guest')) {
      throw new SqlError(15539, 1, 16, "User 'guest' cannot be dropped, it can only be disabled. The user is already disabled in the current database.");
    }
    if (BUILT_IN_USERS.some((n) => sameName(n, stmt.name))) throw new SqlError(15150, 1, 16, `Cannot drop the user '${stmt.name}'.`);
    if (stmt.ifExists) return;
    throw cannot('drop', 'user', stmt.name);
  }
  db.users = (db.users ?? []).filter((u) => u !== user);
}

export function runCreateLogin(env: ExecEnv, stmt: Of<'createLogin'>): void {
  const session = env.session;
  const inst = session.instance;
  if (!session.login.sysadmin) throw noPermission();
  if (inst.findLogin(stmt.name)) throw new SqlError(15025, 1, 16, `The server principal '${stmt.name}' already exists.`);
  let sid: string;
  if (stmt.sid !== undefined) {
    const value = evaluate(env, stmt.sid);
    if (!Buffer.isBuffer(value) || value.length !== 16) throw new SqlError(15419, 1, 16, 'Supplied parameter sid should be binary(16).');
    sid = sidHex(value);
    if (inst.config.logins.some((l) => loginSid(inst.config.name, l) === sid)) throw new SqlError(15433, 1, 16, 'Supplied parameter sid is in use.');
  } else sid = newLoginSid();
  const now = inst.now();
  const login: Login = {
    name: stmt.name,
    password: asText(evaluate(env, stmt.password)),
    sysadmin: false,
    sid,
    principalId: nextLoginPrincipalId(inst.config.logins),
    createDate: now,
    modifyDate: now,
    defaultDatabase: stmt.defaultDatabase,
    checkPolicy: stmt.checkPolicy,
    checkExpiration: stmt.checkExpiration,
  };
  inst.config.logins.push(login);
}

export function runDropLogin(env: ExecEnv, stmt: Of<'dropLogin'>): void {
  const session = env.session;
  const inst = session.instance;
  if (!session.login.sysadmin) throw noPermission();
  const login = inst.findLogin(stmt.name);
  if (!login) throw cannot('drop', 'login', stmt.name);
  if (inst.sessions().some((s) => sameName(s.loginName, login.name))) {
    throw new SqlError(15434, 1, 16, `Could not drop login '${login.name}' as the user is currently logged in.`);
  }
  inst.config.logins.splice(inst.config.logins.indexOf(login), 1);
}
