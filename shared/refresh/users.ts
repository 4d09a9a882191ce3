// Users of the staging copy whose logins live elsewhere: a backup carries each user with the SID of
// the login it was created for, and on another instance that SID belongs to no login (an orphaned
// user cannot sign in). Where the target has a login of the user's name, the user is re-mapped to it
// (ALTER USER ... WITH LOGIN, run in the copy through db.sys.sp_executesql); the others are listed.
import type { SqlClient } from '../sql/pools';
import { quoteLiteral, quoteName } from '../sql/quote';

export interface UserMapping {
  /** users re-mapped to the login of their name */
  remapped: string[];
  /** orphaned users with no login of their name on the target: they cannot sign in */
  orphaned: string[];
  /** users whose re-mapping the server refused, with its message */
  failed: string[];
}

interface Principal {
  name: string;
  type: string;
}

// users with a login (S: SQL, E: Entra) whose SID no login of this instance has; built-in principals are 1-4
const ORPHANS = (db: string): string =>
  `SELECT dp.name AS name, dp.type AS type FROM ${db}.sys.database_principals AS dp WHERE dp.type IN ('S', 'E') AND dp.principal_id > 4 AND dp.authentication_type_desc <> 'NONE' AND dp.sid IS NOT NULL AND dp.sid NOT IN (SELECT sp.sid FROM sys.server_principals AS sp WHERE sp.sid IS NOT NULL) ORDER BY dp.name;`;

const LOGINS = "SELECT name, type FROM sys.server_principals WHERE type IN ('S', 'E');";

/** Pure: which orphaned user goes to which login (same name, same kind), and which stays orphaned. */
export function planMapping(orphans: Principal[], logins: Principal[]): { pairs: Array<{ user: string; login: string }>; orphaned: string[] } {
  const byName = new Map(logins.map((l) => [`${l.type}|${l.name.toLowerCase()}`, l.name]));
  const pairs: Array<{ user: string; login: string }> = [];
  const orphaned: string[] = [];
  for (const u of orphans) {
    const login = byName.get(`${u.type}|${u.name.toLowerCase()}`);
    if (login) pairs.push({ user: u.name, login });
    else orphaned.push(u.name);
  }
  return { pairs, orphaned };
}

export async function remapOrphanedUsers(client: SqlClient, database: string): Promise<UserMapping> {
  const db = quoteName(database);
  const [orphans, logins] = await Promise.all([client.batch<Principal>(ORPHANS(db)), client.batch<Principal>(LOGINS)]);
  const { pairs, orphaned } = planMapping(orphans.recordsets[0] ?? [], logins.recordsets[0] ?? []);
  const out: UserMapping = { remapped: [], orphaned, failed: [] };
  for (const { user, login } of pairs) {
    try {
      await client.batch(`EXEC ${db}.sys.sp_executesql ${quoteLiteral(`ALTER USER ${quoteName(user)} WITH LOGIN = ${quoteName(login)};`)};`);
      out.remapped.push(user);
    } catch (err) {
      out.failed.push(`${user}: ${(err as Error).message}`.slice(0, 300));
    }
  }
  return out;
}
