// sys.master_files (every database's files) and sys.database_files (the scoped database's files).
import type { Database, DatabaseFile } from '../model';
import { c, pages, view, type Field } from './columns';
import { STATE_CODES, type CatalogScope } from './scope';

interface FileRow {
  db: Database;
  file: DatabaseFile;
}

function fileFields(): Field<FileRow>[] {
  return [
    c.int('file_id', (r) => r.file.fileId),
    c.guid('file_guid', () => null),
    c.tinyint('type', (r) => (r.file.type === 'ROWS' ? 0 : 1)),
    c.nvarchar('type_desc', 60, (r) => r.file.type),
    c.int('data_space_id', (r) => (r.file.type === 'ROWS' ? 1 : 0)),
    c.sysname('name', (r) => r.file.logicalName),
    c.nvarchar('physical_name', 260, (r) => r.file.physicalName, false),
    c.tinyint('state', (r) => STATE_CODES[r.db.state], true),
    c.nvarchar('state_desc', 60, (r) => r.db.state),
    c.int('size', (r) => pages(r.file.sizeBytes)),
    c.int('max_size', (r) => (r.file.type === 'ROWS' ? -1 : 268435456)),
    c.int('growth', (r) => (r.file.type === 'ROWS' ? 8192 : 8192)),
    c.bit('is_media_read_only', () => 0),
    c.bit('is_read_only', (r) => (r.db.readOnly ? 1 : 0)),
    c.bit('is_sparse', () => 0),
    c.bit('is_percent_growth', () => 0),
    c.bit('is_name_reserved', () => 0),
  ];
}

export function sysMasterFiles(scope: CatalogScope) {
  const [first, ...rest] = fileFields();
  return view<FileRow>(
    [c.int('database_id', (r) => r.db.databaseId), first, ...rest],
    () => scope.instance.databases().flatMap((db) => db.files.map((file) => ({ db, file }))),
  );
}

export function sysDatabaseFiles(scope: CatalogScope) {
  return view<FileRow>(fileFields(), () => scope.database.files.map((file) => ({ db: scope.database, file })));
}
