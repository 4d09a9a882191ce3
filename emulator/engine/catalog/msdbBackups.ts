// msdb.dbo.backupset, backupmediafamily and restorehistory, written by emulator/backup through the
// BackupHost's recordBackupHistory / recordRestoreHistory.
import type { BackupHistoryRow, RestoreHistoryRow } from '../../backup/host';
import type { EmulatedInstance } from '../instance';
import { sameName } from '../names';
import { bit, c, lsnValue, view } from './columns';
import type { CatalogScope } from './scope';

interface BackupSetRow {
  id: number;
  /** a RESTORE records the set it restored even when this instance did not take it */
  row: Partial<BackupHistoryRow> & Pick<BackupHistoryRow, 'backupSetGuid' | 'databaseName' | 'type'>;
}

function backupSets(inst: EmulatedInstance): BackupSetRow[] {
  const sets: BackupSetRow[] = inst.backupHistory.map((row, i) => ({ id: i + 1, row }));
  for (const r of inst.restoreHistory) {
    if (sets.some((s) => sameName(s.row.backupSetGuid, r.backupSetGuid))) continue;
    sets.push({
      id: sets.length + 1,
      row: { ...r.backupSet, backupSetGuid: r.backupSetGuid, databaseName: r.sourceDatabaseName, type: r.restoreType, deviceUrls: r.deviceUrls },
    });
  }
  return sets;
}

export function msdbBackupSet(scope: CatalogScope) {
  return view<BackupSetRow>(
    [
      c.int('backup_set_id', (s) => s.id),
      c.guid('backup_set_uuid', (s) => s.row.backupSetGuid, false),
      c.int('media_set_id', (s) => s.id),
      c.tinyint('first_family_number', () => 1, true),
      c.tinyint('first_media_number', () => 1, true),
      c.tinyint('last_family_number', (s) => Math.max(1, families(s.row).length), true),
      c.tinyint('last_media_number', () => 1, true),
      c.int('catalog_family_number', () => 1, true),
      c.int('position', () => 1, true),
      c.datetime('expiration_date', () => null),
      c.sysname('name', (s) => s.row.name ?? null, true),
      c.nvarchar('description', 255, (s) => s.row.description ?? null),
      // who took it; older saved rows did not say (they were all the emulator's 'sa')
      c.sysname('user_name', (s) => (s.row.userName === undefined ? 'sa' : s.row.userName), true),
      c.tinyint('software_major_version', () => scope.instance.product.major, true),
      c.datetime('backup_start_date', (s) => s.row.backupStartDate ?? null),
      c.datetime('backup_finish_date', (s) => s.row.backupFinishDate ?? null),
      c.char('type', 1, (s) => s.row.type),
      c.tinyint('compatibility_level', () => 160, true),
      c.decimal('first_lsn', 25, 0, (s) => lsnValue(s.row.firstLsn)),
      c.decimal('last_lsn', 25, 0, (s) => lsnValue(s.row.lastLsn)),
      c.decimal('checkpoint_lsn', 25, 0, (s) => lsnValue(s.row.checkpointLsn)),
      c.decimal('database_backup_lsn', 25, 0, (s) => lsnValue(s.row.databaseBackupLsn)),
      c.datetime('database_creation_date', () => null),
      c.decimal('backup_size', 20, 0, (s) => (s.row.backupSize === undefined ? null : String(s.row.backupSize))),
      c.sysname('database_name', (s) => s.row.databaseName, true),
      c.sysname('server_name', (s) => s.row.serverName ?? null, true),
      c.sysname('machine_name', (s) => s.row.machineName ?? null, true),
      c.nvarchar('recovery_model', 60, (s) => s.row.recoveryModel ?? null),
      c.bit('has_backup_checksums', (s) => bit(s.row.hasChecksums === true), true),
      c.bit('is_copy_only', (s) => bit(s.row.isCopyOnly === true), true),
      c.bit('is_damaged', () => 0, true),
      c.decimal('compressed_backup_size', 20, 0, (s) =>
        s.row.compressedBackupSize === undefined ? null : String(s.row.compressedBackupSize),
      ),
    ],
    () => backupSets(scope.instance),
  );
}

interface FamilyRow {
  mediaSetId: number;
  familyNumber: number;
  /** null: not populated (a managed instance's automated backup) */
  url: string | null;
}

/** the media families of a backup set: one per stripe; an automated backup's one family has no device name */
function families(row: BackupSetRow['row']): (string | null)[] {
  if (row.automated) return [null];
  return row.deviceUrls && row.deviceUrls.length > 0 ? row.deviceUrls : [];
}

export function msdbBackupMediaFamily(scope: CatalogScope) {
  return view<FamilyRow>(
    [
      c.int('media_set_id', (r) => r.mediaSetId),
      c.tinyint('family_sequence_number', (r) => r.familyNumber),
      c.guid('media_family_id', () => null),
      c.int('media_count', () => 1, true),
      c.nvarchar('logical_device_name', 128, () => null),
      c.nvarchar('physical_device_name', 260, (r) => r.url),
      // 9 Azure Storage (URL, and a managed instance's own backups: UNCONFIRMED); 2 disk (TO DISK = 'NUL')
      c.tinyint('device_type', (r) => (r.url === null || /^https?:\/\//i.test(r.url) ? 9 : 2), true),
      c.tinyint('physical_block_size', () => 0, true),
      c.tinyint('mirror', () => 0),
    ],
    () =>
      backupSets(scope.instance).flatMap((s) =>
        families(s.row).map((url, i) => ({ mediaSetId: s.id, familyNumber: i + 1, url })),
      ),
  );
}

interface RestoreRow {
  id: number;
  row: RestoreHistoryRow;
  backupSetId: number | null;
}

export function msdbRestoreHistory(scope: CatalogScope) {
  return view<RestoreRow>(
    [
      c.int('restore_history_id', (r) => r.id),
      c.datetime('restore_date', (r) => r.row.restoreDate),
      c.nvarchar('destination_database_name', 128, (r) => r.row.destinationDatabaseName),
      c.nvarchar('user_name', 128, () => 'sa'),
      c.int('backup_set_id', (r) => r.backupSetId ?? 0),
      c.char('restore_type', 1, (r) => r.row.restoreType),
      c.bit('replace', (r) => bit(r.row.replace), true),
      c.bit('recovery', (r) => bit(r.row.recovery), true),
      c.bit('restart', () => 0, true),
      c.datetime('stop_at', () => null),
      c.tinyint('device_count', (r) => r.row.deviceUrls.length, true),
      c.nvarchar('stop_at_mark_name', 128, () => null),
      c.bit('stop_before', () => 0, true),
    ],
    () => {
      const sets = backupSets(scope.instance);
      return scope.instance.restoreHistory.map((row, i) => ({
        id: i + 1,
        row,
        backupSetId: sets.find((s) => sameName(s.row.backupSetGuid, row.backupSetGuid))?.id ?? null,
      }));
    },
  );
}
