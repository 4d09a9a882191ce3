// Can a session use a database right now? The errors SQL Server gives for USE, logins and
// three-part names when a database is offline, restoring or held by a single user.
import { SqlError } from '../sqlError';
import type { EmulatedInstance } from './instance';
import type { Database } from './model';

export function databaseNotFound(name: string): SqlError {
  return new SqlError(911, 1, 16, `Database '${name}' does not exist. Make sure that the name is entered correctly.`);
}

/** the error a session gets when it tries to open `db`, or undefined when it may */
export function accessError(inst: EmulatedInstance, db: Database, spid: number): SqlError | undefined {
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
  return undefined;
}
