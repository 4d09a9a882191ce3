// What a catalog view is built from: the instance and, for database-scoped views, the database
// the name resolved to (three-part name or the session's current database).
import type { EmulatedInstance } from '../instance';
import type { Database, DatabaseStateDesc, RecoveryModel, UserAccess } from '../model';

export interface CatalogScope {
  instance: EmulatedInstance;
  database: Database;
  /** the session reading the view */
  spid: number;
}

export const STATE_CODES: Record<DatabaseStateDesc, number> = {
  ONLINE: 0,
  RESTORING: 1,
  RECOVERING: 2,
  RECOVERY_PENDING: 3,
  SUSPECT: 4,
  EMERGENCY: 5,
  OFFLINE: 6,
};

export const RECOVERY_CODES: Record<RecoveryModel, number> = { FULL: 1, BULK_LOGGED: 2, SIMPLE: 3 };
export const USER_ACCESS_CODES: Record<UserAccess, number> = { MULTI_USER: 0, SINGLE_USER: 1, RESTRICTED_USER: 2 };
