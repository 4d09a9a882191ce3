// Row counts per table of a database, for validation after a restore or a refresh.
import type { SqlClient } from './pools';
import { quoteName } from './quote';

/**
 * Three-part names, never USE: a pooled connection left in the copy's context would keep the
 * database in use, and the rename of the swap (5030) or a DROP (3702) would fail.
 */
export async function rowCounts(client: SqlClient, database: string): Promise<Map<string, number>> {
  const db = quoteName(database);
  const result = await client.batch<{ table_name: string; row_count: number }>(
    `SELECT s.name + N'.' + t.name AS table_name, SUM(p.rows) AS row_count FROM ${db}.sys.tables t ` +
      `JOIN ${db}.sys.schemas s ON s.schema_id = t.schema_id JOIN ${db}.sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1) ` +
      'GROUP BY s.name, t.name ORDER BY table_name',
  );
  return new Map((result.recordsets[0] ?? []).map((r) => [r.table_name, Number(r.row_count)]));
}

