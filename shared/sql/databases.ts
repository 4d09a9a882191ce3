// What the restore playbook asks about databases on an instance, with bound parameters.
import type { SqlClient } from './pools';

/** state_desc (ONLINE, RESTORING, …) of a database, or undefined when there is none of that name. */
export async function databaseState(client: SqlClient, name: string): Promise<string | undefined> {
  const r = await client.query<{ state_desc: string }>({
    text: 'SELECT state_desc FROM sys.databases WHERE name = @name',
    params: [{ name: 'name', type: 'nvarchar', value: name }],
  });
  return r.recordsets[0]?.[0]?.state_desc;
}

/** Databases whose names start with `prefix`, newest name first (old copies carry a timestamp). */
export async function databasesStartingWith(client: SqlClient, prefix: string): Promise<string[]> {
  const r = await client.query<{ name: string }>({
    text: 'SELECT name FROM sys.databases WHERE LEFT(name, @length) = @prefix ORDER BY name DESC',
    params: [
      { name: 'length', type: 'int', value: prefix.length },
      { name: 'prefix', type: 'nvarchar', value: prefix },
    ],
  });
  return (r.recordsets[0] ?? []).map((row) => row.name);
}
