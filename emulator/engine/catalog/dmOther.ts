// sys.dm_operation_status (managed instance only) and sys.dm_database_encryption_keys.
import type { Database, OperationStatus } from '../model';
import { c, view } from './columns';
import type { CatalogScope } from './scope';

const OPERATION_STATES = ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;

export function dmOperationStatus(scope: CatalogScope) {
  return view<OperationStatus>(
    [
      c.guid('session_activity_id', (o) => o.operationId, false),
      c.int('resource_type', () => 0),
      c.nvarchar('resource_type_desc', 2048, () => 'Database'),
      c.nvarchar('major_resource_id', 8000, (o) => o.majorResourceId),
      c.nvarchar('minor_resource_id', 8000, () => ''),
      c.nvarchar('operation', 60, (o) => o.operation, false),
      c.tinyint('state', (o) => o.state),
      c.nvarchar('state_desc', 120, (o) => OPERATION_STATES[o.state], false),
      c.int('percent_complete', (o) => Math.floor(o.percentComplete)),
      c.int('error_code', (o) => o.errorCode),
      c.nvarchar('error_desc', 2048, (o) => o.errorDesc || null),
      c.int('error_severity', (o) => (o.errorCode ? 16 : 0)),
      c.int('error_state', (o) => (o.errorCode ? 1 : 0)),
      c.datetime('start_time', (o) => o.startTime, false),
      c.datetime('last_modify_time', (o) => o.lastModifyTime, false),
    ],
    () => [...scope.instance.operations].sort((a, b) => a.startTime.getTime() - b.startTime.getTime()),
  );
}

interface KeyRow {
  db: Database;
  /** tempdb is encrypted as soon as any user database uses TDE */
  tempdb: boolean;
}

export function dmDatabaseEncryptionKeys(scope: CatalogScope) {
  const rows = (): KeyRow[] => {
    const encrypted = scope.instance.databases().filter((d) => d.tde !== 'none');
    const tempdb = scope.instance.findDatabase('tempdb');
    return [...(encrypted.length > 0 && tempdb ? [{ db: tempdb, tempdb: true }] : []), ...encrypted.map((db) => ({ db, tempdb: false }))];
  };
  return view<KeyRow>(
    [
      c.int('database_id', (r) => r.db.databaseId),
      c.int('encryption_state', () => 3, true),
      c.datetime('create_date', (r) => r.db.createDate, false),
      c.datetime('regenerate_date', (r) => r.db.createDate, false),
      c.datetime('modify_date', (r) => r.db.createDate, false),
      c.datetime('set_date', (r) => r.db.createDate, false),
      c.datetime('opened_date', (r) => r.db.createDate, false),
      c.nvarchar('key_algorithm', 32, () => 'AES', false),
      c.int('key_length', () => 256),
      c.varbinary('encryptor_thumbprint', 32, (r) => (r.tempdb ? Buffer.alloc(0) : Buffer.from(r.db.familyGuid.replace(/-/g, '').slice(0, 20), 'hex'))),
      c.nvarchar('encryptor_type', 32, (r) => (r.tempdb ? 'ASYMMETRIC KEY' : r.db.tde === 'customerManaged' ? 'ASYMMETRIC KEY' : 'CERTIFICATE')),
      c.real('percent_complete', () => 0),
      c.nvarchar('encryption_state_desc', 32, () => 'ENCRYPTED'),
      c.int('encryption_scan_state', () => 4, true),
      c.nvarchar('encryption_scan_state_desc', 32, () => 'COMPLETE'),
      c.datetime('encryption_scan_modify_date', (r) => r.db.createDate),
    ],
    rows,
  );
}
