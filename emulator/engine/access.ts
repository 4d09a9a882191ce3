// Can a session use a database right now? The errors SQL Server gives for USE, logins and
// three-part names when a database is offline, restoring or held by a single user, and (916) when
// a login that is not sysadmin has no user in it: no user with its SID (an orphaned user's login
// has another SID), and guest is enabled only in master, tempdb and msdb.
import { SqlError } from '../sqlError';
import type { EmulatedInstance } from './instance';
import type { Database, Login } from './model';
import { loginSid } from './principals';

export function databaseNotFound(name: string): SqlError {
  return new SqlError(911, 1, 16, `Database '${name}' does not exist. Make sure that the name is entered correctly.`);
}

/** guest can connect here (CONNECT granted to guest), so every login can open them */
const GUEST_ENABLED = new Set(['master', 'tempdb', 'msdb']);

/** whether the login enters the database as a user: sysadmin (as dbo), a user with its SID, or guest */
export function hasDatabaseUser(inst: EmulatedInstance, db: Database, login: Login): boolean {
  if (login.sysadmin || GUEST_ENABLED.has(db.name.toLowerCase())) return true;
  const sid = loginSid(inst.config.name, login);
  return (db.users ?? []).some((u) => !u.withoutLogin && u.sid === sid);
}

/**
 * the error a session gets when it tries to open `db`, or undefined when it may; `login` is whose
 * access counts (default: the session's login; none for spid -1)
 */
export function accessError(inst: EmulatedInstance, db: Database, spid: number, login?: Login): SqlError | undefined {
  switch (db.state) {
    case 'OFFLINE':
      return new SqlError(942, 4, 14, `Database '${db.name}' cannot be opened because it is offline.`);
    case 'RESTORING':
      return new SqlError(927, 2, 14, `Database '${db.name}' cannot be opened. It is in the middle of a restore.`);
    case 'RECOVERING':
      return new SqlError(922, 1, 14, `Database '${db.name}' is being recovered. Waiting until recovery is finished.`);
    case 'SUSPECT':
    case 'RECOVERY_PENDING':
      return new SqlError(926, 1, 14, `Database '${db.name}' cannot be opened. It has been marked SUSPECT by recovery. See the SQL Server errorlog for more information.`);
    default:
      break;
  }
  if (db.userAccess === 'SINGLE_USER' && inst.sessionsUsing(db.name, spid).length > 0) {
    return new SqlError(924, 1, 14, `Database '${db.name}' is already open and can only have one user at a time.`);
  }
  const sessionLogin = spid >= 0 ? inst.session(spid)?.loginName : undefined;
  const who = login ?? (sessionLogin === undefined ? undefined : inst.findLogin(sessionLogin));
  if (who && !hasDatabaseUser(inst, db, who)) {
    return new SqlError(916, 1, 14, `The server principal "${who.name}" is not able to access the database "${db.name}" under the current security context.`);
  }
  return undefined;
}
