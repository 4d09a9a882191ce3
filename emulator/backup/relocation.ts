// Where a restore puts the database's files: WITH MOVE or the backup's own paths on SQL Server
// (5133 / 3156 / 1834 / 3234 when that cannot work), the instance's own layout on a managed
// instance; and whether the volume has room for them (3257).
import type { Database, DatabaseFile, InstanceConfig } from '../engine/model';
import type { SqlMessage } from '../tds/types';
import type { BackupFileEntry, BackupHeader } from './format';
import type { BackupHost } from './host';
import { m, osErrors } from './messages';

export type Planned = { ok: true; files: DatabaseFile[] } | { ok: false; errors: SqlMessage[] };

/** The folder of a Windows or Linux path, without the trailing separator. */
export function directoryOf(path: string): string {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return i <= 0 ? path : path.slice(0, i);
}

function join(dir: string, name: string): string {
  const sep = dir.includes('\\') ? '\\' : '/';
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

function toModelFile(entry: BackupFileEntry, physicalName: string): DatabaseFile {
  return { fileId: entry.fileId, type: entry.type === 'L' ? 'LOG' : 'ROWS', logicalName: entry.logicalName, physicalName, sizeBytes: entry.sizeBytes };
}

/** A managed instance names files itself, under its own folders, by a fresh GUID per file. */
export function managedInstanceFiles(config: InstanceConfig, header: BackupHeader, newGuid: () => string): DatabaseFile[] {
  return header.files.map((f) => {
    const ext = f.type === 'L' ? '.ldf' : f.type === 'S' ? '' : f.fileId === 1 ? '.mdf' : '.ndf';
    const dir = f.type === 'L' ? config.defaultLogPath : config.defaultDataPath;
    return toModelFile(f, join(dir, `${newGuid().toLowerCase()}${ext}`));
  });
}

/**
 * SQL Server: every file goes where MOVE says, or back to the path it had. `replacing` is the
 * database this restore overwrites, whose own files may be reused.
 */
export function sqlServerFiles(
  host: BackupHost,
  header: BackupHeader,
  moves: { logicalName: string; physicalName: string }[],
  targetName: string,
  replacing: Database | undefined,
): Planned {
  const errors: SqlMessage[] = [];
  for (const mv of moves) {
    if (!header.files.some((f) => f.logicalName.toLowerCase() === mv.logicalName.toLowerCase())) {
      errors.push(m.logicalNotInBackup(mv.logicalName, targetName));
    }
  }
  const files: DatabaseFile[] = [];
  const claimed = new Map<string, string>();
  for (const entry of header.files) {
    const mv = moves.find((x) => x.logicalName.toLowerCase() === entry.logicalName.toLowerCase());
    const target = mv ? mv.physicalName : entry.physicalName;
    const key = target.toLowerCase();
    if (!host.directoryExists(directoryOf(target))) {
      errors.push(m.directoryLookup(target, osErrors.fileNotFound), m.useMove(entry.logicalName, target));
    } else {
      const owner = host.findFileOwner(target);
      const ownedByReplaced = owner !== undefined && replacing !== undefined && owner.toLowerCase() === replacing.name.toLowerCase();
      if (owner !== undefined && !ownedByReplaced) errors.push(m.fileInUse(target, owner), m.useMove(entry.logicalName, target));
      else if (claimed.has(key)) errors.push(m.useMove(entry.logicalName, target));
    }
    claimed.set(key, entry.logicalName);
    files.push(toModelFile(entry, target));
  }
  if (errors.length > 0) return { ok: false, errors: [...errors, m.planningProblems()] };
  return { ok: true, files };
}

/** 3257 when the new files need more than the volume has (the replaced database's files are freed). */
export function checkSpace(host: BackupHost, files: DatabaseFile[], replacing: Database | undefined): SqlMessage[] {
  const needed = files.reduce((sum, f) => sum + f.sizeBytes, 0);
  const freed = replacing ? replacing.files.reduce((sum, f) => sum + f.sizeBytes, 0) : 0;
  const required = Math.max(0, needed - freed);
  const available = host.faults().diskFull ? 0 : host.config.freeSpaceBytes;
  if (required <= available) return [];
  return [m.insufficientSpace(volumeOf(files[0]?.physicalName ?? host.config.defaultDataPath), required, available), m.planningProblems()];
}

/** 'C:\' for a Windows path, '/' for a Linux one: what SQL Server names as the volume. */
export function volumeOf(path: string): string {
  const drive = /^([A-Za-z]:\\)/.exec(path);
  return drive ? drive[1] : '/';
}
