// sys.objects, sys.indexes and sys.dm_db_partition_stats of the scoped database: the other places
// scripts read row counts and table lists from.
import type { TableInfo } from '../model';
import { c, view } from './columns';
import type { CatalogScope } from './scope';
import { objectIdOf, schemaIdOf } from './userObjects';

export function sysObjects(scope: CatalogScope) {
  const db = scope.database;
  return view<TableInfo>(
    [
      c.sysname('name', (t) => t.name),
      c.int('object_id', (t) => objectIdOf(t)),
      c.int('principal_id', () => null, true),
      c.int('schema_id', (t) => schemaIdOf(db, t.schema) ?? 1),
      c.int('parent_object_id', () => 0),
      c.char('type', 2, () => 'U '),
      c.nvarchar('type_desc', 60, () => 'USER_TABLE'),
      c.datetime('create_date', () => db.createDate, false),
      c.datetime('modify_date', () => db.createDate, false),
      c.bit('is_ms_shipped', () => 0),
      c.bit('is_published', () => 0),
      c.bit('is_schema_published', () => 0),
    ],
    () => db.tables,
  );
}

export function sysIndexes(scope: CatalogScope) {
  return view<TableInfo>(
    [
      c.int('object_id', (t) => objectIdOf(t)),
      c.sysname('name', (t) => (t.heap ? null : `PK_${t.name}`), true),
      c.int('index_id', (t) => (t.heap ? 0 : 1)),
      c.tinyint('type', (t) => (t.heap ? 0 : 1)),
      c.nvarchar('type_desc', 60, (t) => (t.heap ? 'HEAP' : 'CLUSTERED')),
      c.bit('is_unique', (t) => (t.heap ? 0 : 1), true),
      c.int('data_space_id', () => 1, true),
      c.bit('ignore_dup_key', () => 0, true),
      c.bit('is_primary_key', (t) => (t.heap ? 0 : 1), true),
      c.bit('is_unique_constraint', () => 0, true),
      c.tinyint('fill_factor', () => 0),
      c.bit('is_padded', () => 0, true),
      c.bit('is_disabled', () => 0, true),
      c.bit('is_hypothetical', () => 0, true),
      c.bit('allow_row_locks', () => 1, true),
      c.bit('allow_page_locks', () => 1, true),
      c.bit('has_filter', () => 0, true),
      c.nvarchar('filter_definition', -1, () => null),
    ],
    () => scope.database.tables,
  );
}

/** 40 rows per 8 KB page: the 200 bytes a row the database sizes assume */
const dataPages = (t: TableInfo): number => Math.max(1, Math.ceil(t.rowCount / 40));
/** used pages plus the index pages, rounded up to whole extents of 8 pages */
const reservedPages = (t: TableInfo): number => Math.ceil((dataPages(t) + 2) / 8) * 8;

export function dmDbPartitionStats(scope: CatalogScope) {
  return view<TableInfo>(
    [
      c.bigint('partition_id', (t) => BigInt(objectIdOf(t)) * 65536n + (t.heap ? 0n : 1n)),
      c.int('object_id', (t) => objectIdOf(t)),
      c.int('index_id', (t) => (t.heap ? 0 : 1)),
      c.int('partition_number', () => 1),
      c.bigint('in_row_data_page_count', (t) => dataPages(t)),
      c.bigint('in_row_used_page_count', (t) => dataPages(t) + 2),
      c.bigint('in_row_reserved_page_count', (t) => reservedPages(t)),
      c.bigint('lob_used_page_count', () => 0),
      c.bigint('lob_reserved_page_count', () => 0),
      c.bigint('row_overflow_used_page_count', () => 0),
      c.bigint('row_overflow_reserved_page_count', () => 0),
      c.bigint('used_page_count', (t) => dataPages(t) + 2),
      c.bigint('reserved_page_count', (t) => reservedPages(t)),
      c.bigint('row_count', (t) => t.rowCount),
    ],
    () => scope.database.tables,
  );
}
