// sys.schemas, sys.tables, sys.partitions and sys.columns of the scoped database.
import type { TableInfo } from '../model';
import { bit, c, view } from './columns';
import type { CatalogScope } from './scope';
import { columnsOf, objectIdOf, schemaIdOf, schemasOf, type SchemaRow, type UserColumn } from './userObjects';

export function sysSchemas(scope: CatalogScope) {
  return view<SchemaRow>(
    [c.sysname('name', (s) => s.name), c.int('schema_id', (s) => s.schemaId), c.int('principal_id', (s) => s.principalId, true)],
    () => schemasOf(scope.database),
  );
}

export function sysTables(scope: CatalogScope) {
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
      c.int('max_column_id_used', (t) => columnsOf(t).length),
      c.bit('uses_ansi_nulls', () => 1, true),
      c.tinyint('temporal_type', () => 0, true),
      c.nvarchar('temporal_type_desc', 60, () => 'NON_TEMPORAL_TABLE'),
      c.bit('is_memory_optimized', () => 0, true),
      c.bit('is_external', () => 0),
      c.bit('is_node', () => 0, true),
      c.bit('is_edge', () => 0, true),
      c.tinyint('ledger_type', () => 0, true),
    ],
    () => db.tables,
  );
}

export function sysPartitions(scope: CatalogScope) {
  return view<TableInfo>(
    [
      c.bigint('partition_id', (t) => BigInt(objectIdOf(t)) * 65536n + (t.heap ? 0n : 1n)),
      c.int('object_id', (t) => objectIdOf(t)),
      c.int('index_id', (t) => (t.heap ? 0 : 1)),
      c.int('partition_number', () => 1),
      c.bigint('hobt_id', (t) => BigInt(objectIdOf(t)) * 65536n + (t.heap ? 0n : 1n)),
      c.bigint('rows', (t) => t.rowCount, true),
      c.smallint('filestream_filegroup_id', () => 0),
      c.tinyint('data_compression', () => 0),
      c.nvarchar('data_compression_desc', 60, () => 'NONE'),
      c.bit('xml_compression', () => 0, true),
      c.nvarchar('xml_compression_desc', 60, () => 'OFF'),
    ],
    () => scope.database.tables,
  );
}

interface ColumnRow {
  table: TableInfo;
  column: UserColumn;
}

export function sysColumns(scope: CatalogScope) {
  return view<ColumnRow>(
    [
      c.int('object_id', (r) => objectIdOf(r.table)),
      c.sysname('name', (r) => r.column.name, true),
      c.int('column_id', (r) => r.column.columnId),
      c.tinyint('system_type_id', (r) => r.column.systemTypeId),
      c.int('user_type_id', (r) => r.column.systemTypeId),
      c.smallint('max_length', (r) => r.column.maxLength),
      c.tinyint('precision', (r) => (r.column.typeName === 'int' ? 10 : 0)),
      c.tinyint('scale', () => 0),
      c.sysname('collation_name', (r) => (r.column.typeName === 'nvarchar' ? 'Latin1_General_BIN2' : null), true),
      c.bit('is_nullable', (r) => bit(r.column.isNullable), true),
      c.bit('is_ansi_padded', (r) => bit(r.column.typeName === 'nvarchar')),
      c.bit('is_rowguidcol', () => 0),
      c.bit('is_identity', (r) => bit(r.column.isIdentity)),
      c.bit('is_computed', () => 0),
      c.bit('is_filestream', () => 0),
      c.bit('is_replicated', () => 0, true),
      c.bit('is_sparse', () => 0, true),
      c.bit('is_column_set', () => 0, true),
      c.int('column_encryption_key_id', (r) => (r.column.encryptionType === null ? null : 1), true),
      c.sysname('column_encryption_key_database_name', () => null, true),
      c.int('encryption_type', (r) => r.column.encryptionType, true),
      c.nvarchar('encryption_type_desc', 64, (r) => (r.column.encryptionType === null ? null : 'RANDOMIZED')),
      c.sysname('encryption_algorithm_name', (r) => (r.column.encryptionType === null ? null : 'AEAD_AES_256_CBC_HMAC_SHA_256'), true),
      c.bit('is_hidden', () => 0, true),
      c.bit('is_masked', () => 0),
      c.int('graph_type', () => null, true),
      c.nvarchar('graph_type_desc', 60, () => null),
    ],
    () => scope.database.tables.flatMap((table) => columnsOf(table).map((column) => ({ table, column }))),
  );
}
