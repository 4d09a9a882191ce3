// The major version of an instance's engine (16 for SQL Server 2022, 17 for 2025; a managed instance
// reports its own), for the version checks before a restore, a refresh or a failback.
import type { QueryOptions, SqlClient } from './pools';

export async function majorVersion(client: SqlClient, options?: QueryOptions): Promise<number | undefined> {
  const r = await client.batch<{ major: number | null }>("SELECT CAST(SERVERPROPERTY('ProductMajorVersion') AS int) AS major;", options);
  const major = r.recordsets[0]?.[0]?.major;
  return typeof major === 'number' ? major : undefined;
}
