// sys.dm_os_volume_stats(database_id, file_id): the volume a database file is on, with its size and
// free space, as a table-valued function (CROSS APPLY from sys.master_files, or called with
// constants).
//
// The docs' column list (SQL Server 2017 and later; incurs_seek_penalty from 2019): database_id,
// file_id, volume_mount_point, volume_id, logical_volume_name, file_system_type (nvarchar(512)),
// total_bytes, available_bytes (bigint), supports_compression, supports_alternate_streams,
// supports_sparse_files, is_read_only, is_compressed, incurs_seek_penalty (tinyint; bit on 2016).
// "Returns null on Linux" for the volume's names and the supports_* / is_compressed /
// incurs_seek_penalty flags: a SQL Server whose default data path is a Linux path shows NULL there
// and only the sizes and is_read_only. On Windows (a C:\ style path, and a managed instance) the
// mount point is the path's drive root, NTFS, SSD-backed (incurs_seek_penalty 0).
//
// The emulator models one volume per instance (engine/instance.ts): every file reports the same
// total and free bytes, so SELECT DISTINCT over sys.master_files gives one row. On a managed
// instance the volume is the instance's reserved storage: total_bytes the storage size,
// available_bytes what the databases leave of it. UNCONFIRMED: the page's "Applies to" names SQL
// Server only; what a managed instance answers is INFERRED.
//
// An unknown database or file, or a NULL argument, gives no row (INFERRED). The wrong number of
// arguments is 313 / 8144, as for any function.
import { createHash } from 'node:crypto';
import type { ColumnSpec, SqlValue } from '../../tds/types';
import type { TableFunction } from '../../sql/context';
import { SqlError } from '../../sqlError';
import type { EmulatedInstance } from '../instance';

const mountPointOf = (path: string): string | undefined => /^([A-Za-z]:\\)/.exec(path)?.[1].toUpperCase();

/** a Windows volume GUID path, stable for the instance */
function volumeId(inst: EmulatedInstance): string {
  const h = createHash('sha256').update(`volume\u0000${inst.config.name.toLowerCase()}`).digest('hex');
  return `\\\\?\\Volume{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}}\\`;
}

export function dmOsVolumeStats(inst: EmulatedInstance, writtenName: string): TableFunction {
  const mi = inst.config.kind === 'managedInstance';
  const major = mi ? 17 : inst.config.majorVersion;
  const flagType = major <= 13 ? 'bit' : 'tinyint';
  const linux = !mi && inst.config.defaultDataPath.startsWith('/');
  const text = (name: string): ColumnSpec => ({ name, type: 'nvarchar', length: 512, nullable: true });
  const flag = (name: string, nullable: boolean): ColumnSpec => ({ name, type: flagType, nullable });
  const columns: ColumnSpec[] = [
    { name: 'database_id', type: 'int', nullable: false },
    { name: 'file_id', type: 'int', nullable: false },
    text('volume_mount_point'),
    text('volume_id'),
    text('logical_volume_name'),
    text('file_system_type'),
    { name: 'total_bytes', type: 'bigint', nullable: false },
    { name: 'available_bytes', type: 'bigint', nullable: false },
    flag('supports_compression', linux),
    flag('supports_alternate_streams', linux),
    flag('supports_sparse_files', linux),
    flag('is_read_only', false),
    flag('is_compressed', linux),
  ];
  if (major >= 15) columns.push({ name: 'incurs_seek_penalty', type: 'tinyint', nullable: true });
  return {
    columns,
    checkArguments(count: number): void {
      if (count < 2) throw new SqlError(313, 3, 16, `An insufficient number of arguments were supplied for the procedure or function ${writtenName}.`);
      if (count > 2) throw new SqlError(8144, 2, 16, `Procedure or function ${writtenName} has too many arguments specified.`);
    },
    *rows(args: SqlValue[]): Iterable<SqlValue[]> {
      const [databaseId, fileId] = args;
      if (databaseId === null || fileId === null) return;
      const db = inst.findDatabaseById(Number(databaseId));
      const file = db?.files.find((f) => f.fileId === Number(fileId));
      if (!db || !file) return;
      const total = inst.volumeTotalBytes();
      const available = inst.freeSpaceBytes();
      const yes = flagType === 'bit' ? true : 1;
      const no = flagType === 'bit' ? false : 0;
      const row: SqlValue[] = linux
        ? [db.databaseId, file.fileId, null, null, null, null, total, available, null, null, null, no, null]
        : [
            db.databaseId,
            file.fileId,
            mountPointOf(inst.config.defaultDataPath) ?? mountPointOf(file.physicalName) ?? 'C:\\',
            volumeId(inst),
            '',
            'NTFS',
            total,
            available,
            yes,
            yes,
            yes,
            no,
            no,
          ];
      if (major >= 15) row.push(linux ? null : 0);
      yield row;
    },
  };
}
