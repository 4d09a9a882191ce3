// WITH MOVE for SQL Server targets: one MOVE per file of RESTORE FILELISTONLY, into the target's
// data and log folders, with names derived from the target database name (so a copy never
// collides with its source's files). Managed-instance backups carry logical names like data_0,
// log and XTP; SQL Server needs every one of them moved (REFERENCE.md 7.3).
import type { FileMove } from './restoreStatements';

export interface BackupFile {
  logicalName: string;
  physicalName: string;
  /** D data, L log, S FILESTREAM / memory-optimized container, F full-text */
  type: 'D' | 'L' | 'S' | 'F';
  fileId: number;
}

export interface TargetPaths {
  data: string;
  log: string;
}

function join(folder: string, name: string): string {
  const windows = /^[A-Za-z]:\\|\\\\/.test(folder) || (folder.includes('\\') && !folder.includes('/'));
  const sep = windows ? '\\' : '/';
  return folder.endsWith(sep) ? `${folder}${name}` : `${folder}${sep}${name}`;
}

/** File-system-safe form of a database name for file names. */
export function fileStem(database: string): string {
  const stem = database.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^\.+/, '_');
  return stem.length > 0 ? stem.slice(0, 100) : 'db';
}

export function planMoves(files: readonly BackupFile[], database: string, paths: TargetPaths): FileMove[] {
  const stem = fileStem(database);
  let dataIndex = 0;
  let logIndex = 0;
  return [...files]
    .sort((a, b) => a.fileId - b.fileId)
    .map((f) => {
      switch (f.type) {
        case 'L':
          return { logicalName: f.logicalName, physicalName: join(paths.log, `${stem}_log${logIndex++ === 0 ? '' : `_${logIndex - 1}`}.ldf`) };
        case 'S':
        case 'F':
          // containers are folders, not files
          return { logicalName: f.logicalName, physicalName: join(paths.data, `${stem}_${fileStem(f.logicalName)}`) };
        default: {
          const n = dataIndex++;
          return { logicalName: f.logicalName, physicalName: join(paths.data, n === 0 ? `${stem}.mdf` : `${stem}_${n}.ndf`) };
        }
      }
    });
}
