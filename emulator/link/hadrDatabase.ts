// ALTER DATABASE [db] SET HADR SUSPEND | RESUME on a database of a Managed Instance link, run on
// either side. After a forced failover the old primary's databases are suspended once it is a
// secondary again; RESUME is how a DBA lets them undo their diverged log and synchronize.
import { SqlError } from '../sqlError';
import type { LinkRegistry } from './registry';

export type HadrDatabaseAction = 'SUSPEND' | 'RESUME';

/** the HADR action an ALTER DATABASE SET option asks for ('HADR RESUME'), if any */
export function hadrDatabaseAction(option: string): HadrDatabaseAction | undefined {
  const m = /^HADR\s+(SUSPEND|RESUME)$/.exec(option.trim().toUpperCase());
  return m ? (m[1] as HadrDatabaseAction) : undefined;
}

/**
 * Suspends or resumes the data movement of `database` on `instanceName`. Throws 35242 (SQL Server's
 * "not joined to an availability group"; number UNCONFIRMED) when no link holds the database there.
 */
export function executeHadrDatabaseAction(action: HadrDatabaseAction, instanceName: string, database: string, registry: LinkRegistry | undefined): void {
  const link = registry?.linksOf(instanceName).find((l) => l.database(database) !== undefined);
  const side = link?.sideOf(instanceName);
  if (!registry || !link || !side) {
    throw new SqlError(
      35242,
      1,
      16,
      `Cannot complete this ALTER DATABASE SET HADR operation on database '${database}'. The database is not joined to an availability group. After the database has joined the availability group, retry the command.`,
    );
  }
  const now = registry.clock.now();
  if (action === 'SUSPEND') link.suspendDatabase(side.name, database, now);
  else link.resumeDatabase(side.name, database, now);
  registry.touch();
}
