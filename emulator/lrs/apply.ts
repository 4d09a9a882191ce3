// Restoring one backup set of an LRS onto its RESTORING database, as RESTORE ... WITH NORECOVERY
// would on the managed instance: the checks of restore.ts first, then the instance's throughput in
// simulated time, then the database's new state and a restorehistory row.
import { randomUUID } from 'node:crypto';
import type { Database, DatabaseFile } from '../engine/model';
import type { SqlMessage } from '../tds/types';
import type { BackupHost } from '../backup/host';
import type { RestoreChain } from '../backup/lsnChain';
import { m } from '../backup/messages';
import { checkSpace, managedInstanceFiles } from '../backup/relocation';
import { checkBackupFitsServer, restoredSet } from '../backup/restore';
import { bytesForPages, durationMs } from '../backup/sizing';
import { supportedDatabaseVersion } from '../backup/versions';
import type { BackupSetEntry } from './catalog';
import { copyUsers } from '../engine/principals';

const newGuid = (): string => randomUUID().toUpperCase();

export type Prepared = { ok: true; files?: DatabaseFile[] } | { ok: false; error: SqlMessage };

/** Whether the instance can restore the set onto `db` (SQL Server's message when not); a full also gets its files. */
export function prepareSet(host: BackupHost, set: BackupSetEntry, db: Database): Prepared {
  const h = set.header;
  const problem = checkBackupFitsServer(host, h);
  if (problem) return { ok: false, error: problem };
  if (h.backupType !== 1) return { ok: true };
  if (h.files.filter((f) => f.type === 'L').length > 1) return { ok: false, error: m.miMultipleLogFiles() };
  const files = managedInstanceFiles(host.config, h, newGuid);
  // the empty database LRS created is replaced: its files are freed
  const space = checkSpace(host, files, db);
  if (space.length > 0) return { ok: false, error: space[0] };
  return { ok: true, files };
}

/** The database went away (DELETE, DROP) while a set was being restored. */
export class DatabaseGone extends Error {
  constructor(readonly database: string) {
    super(`database '${database}' is gone`);
    this.name = 'DatabaseGone';
  }
}

export interface SetRestore {
  host: BackupHost;
  database: string;
  set: BackupSetEntry;
  chain: RestoreChain;
  files?: DatabaseFile[];
  /** the stripes' URLs in family order (restorehistory), without SAS */
  urls: string[];
}

/** Simulated time at the instance's throughput, then the set's effect on the database. */
export async function restoreSet(job: SetRestore, signal: AbortSignal): Promise<void> {
  const { host, set } = job;
  const h = set.header;
  const pages = h.files.reduce((sum, f) => sum + f.backupPages, 0);
  await host.sleep(durationMs(bytesForPages(pages), host.config.throughputMBps), signal);
  const db = host.findDatabase(job.database);
  if (!db || db.state !== 'RESTORING') throw new DatabaseGone(job.database);
  if (h.backupType === 1) {
    host.removeDatabase(db.name);
    host.addDatabase(restoredFull(host, db, job));
  } else {
    db.tables = h.tables.map((t) => ({ ...t }));
    if (h.users) db.users = copyUsers(h.users);
    db.lastLsn = h.lastLsn;
    db.restoreChain = job.chain;
  }
  host.recordRestoreHistory({
    restoreDate: host.now(),
    destinationDatabaseName: db.name,
    sourceDatabaseName: h.databaseName,
    backupSetGuid: h.backupSetGuid,
    restoreType: h.backupType === 1 ? 'D' : h.backupType === 5 ? 'I' : 'L',
    replace: false,
    recovery: false,
    deviceUrls: job.urls,
    backupSet: restoredSet(h),
  });
}

/** The full backup's database in place of the empty one, same name and id, still RESTORING. */
function restoredFull(host: BackupHost, placeholder: Database, job: SetRestore): Database {
  const h = job.set.header;
  return {
    databaseId: placeholder.databaseId,
    name: placeholder.name,
    state: 'RESTORING',
    // a managed instance always runs its databases in FULL recovery
    recoveryModel: 'FULL',
    userAccess: 'MULTI_USER',
    compatibilityLevel: h.compatibilityLevel,
    collation: h.collation,
    createDate: placeholder.createDate,
    tde: h.tde,
    files: job.files ?? [],
    tables: h.tables.map((t) => ({ ...t })),
    users: copyUsers(h.users),
    lastLsn: h.lastLsn,
    databaseVersion: supportedDatabaseVersion(host.config),
    workloadTps: 0,
    familyGuid: h.familyGuid,
    restoreChain: job.chain,
  };
}
