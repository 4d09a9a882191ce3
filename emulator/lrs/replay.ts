// One Log Replay Service job: a background loop that scans the folder every scan interval of the
// instance's (simulated) clock, decodes the new files, restores what continues the chain, and
// recovers the database once the last backup is restored. It never throws: whatever goes wrong
// ends as status Failed with SQL Server's message in blockReason, and the RESTORING database
// stays until it is deleted, as in Azure. stop() (DELETE of the database) ends it at once.
import type { BackupHost } from '../backup/host';
import { m, osErrors } from '../backup/messages';
import { decodeFamily } from '../backup/media';
import { recover } from '../backup/restore';
import { prepareSet, restoreSet, DatabaseGone } from './apply';
import { backupTypeOf, LrsCatalog, type BackupSetEntry } from './catalog';
import { downloadBlob, listFolder, StorageProblem, type FolderBlob } from './listing';
import type { LrsLocation } from './location';
import { nextStep } from './plan';
import { snapshot, type ReplayFacts } from './snapshot';
import type { LrsStart, LrsState, LrsStatus } from './types';

export interface ReplayOptions {
  host: BackupHost;
  /** the RESTORING database the backups go into (created by the caller) */
  database: string;
  start: LrsStart;
  location: LrsLocation;
  scanIntervalMs: number;
}

/** the file name without any folder: how lastBackupName is compared */
const fileName = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

export class LogReplay {
  private readonly catalog = new LrsCatalog();
  private readonly stopController = new AbortController();
  private wakeController = new AbortController();
  /** completeRestore came while the loop was busy: the next pause is skipped */
  private wakeRequested = false;
  /** the restore in flight: aborted by stop(), or by completeRestore naming a file already restored */
  private restoreController: AbortController | undefined;
  private status: LrsStatus = 'Restoring';
  private blockReason: string | undefined;
  private readonly startedAt: Date;
  private completedAt: Date | undefined;
  private current: BackupSetEntry | undefined;
  private lastRestored: ReplayFacts['lastRestored'];
  /** the file whose restore ends the job: lastBackupName with autoComplete, else completeRestore's */
  private target: string | undefined;

  constructor(private readonly options: ReplayOptions) {
    this.startedAt = options.host.now();
    if (options.start.autoCompleteRestore && options.start.lastBackupName) this.target = fileName(options.start.lastBackupName);
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  /** starts the loop in the background; the HTTP handler does not wait for it */
  start(): void {
    void this.run().catch(() => {
      // an unexpected failure ends the job, never the process; its text may hold storage URLs, so it is not shown
      if (!this.stopped && this.status === 'Restoring') this.fail(m.aborted().message);
    });
  }

  /** DELETE of the database: the loop ends without touching the database again */
  stop(): void {
    this.stopController.abort(new Error('log replay stopped'));
    this.wakeController.abort();
    this.restoreController?.abort();
  }

  /** completeRestore: finish once `lastBackupName` is restored (right away when it is already) */
  complete(lastBackupName: string): void {
    if (this.status !== 'Restoring') return;
    this.target = fileName(lastBackupName);
    if (this.catalog.setOf(this.target)?.status === 'Restored') {
      // a later set being restored is abandoned: the database stops at the named file
      if (this.current) this.restoreController?.abort();
      else this.finishIfTargetRestored();
    }
    this.wakeRequested = true;
    this.wakeController.abort();
  }

  /** the start request, SAS included: what a saved state needs to go on after a restart (never shown) */
  startRequest(): LrsStart {
    return { ...this.options.start };
  }

  state(): LrsState {
    const { host, database, start } = this.options;
    return snapshot(
      {
        database: host.findDatabase(database)?.name ?? database,
        start,
        status: this.status,
        blockReason: this.blockReason,
        startedAt: this.startedAt,
        completedAt: this.completedAt,
        current: this.current,
        lastRestored: this.lastRestored,
      },
      this.catalog,
    );
  }

  // ---- the loop ----------------------------------------------------------------------------------

  private async run(): Promise<void> {
    const sas = this.sas();
    if (sas === undefined) {
      // UNCONFIRMED: what Azure reports when the instance's identity has no role on the storage
      this.fail(m.cannotOpenDevice(this.options.location.folderUrl, osErrors.accessDenied).message);
      return;
    }
    while (!this.stopped && this.status === 'Restoring') {
      await this.scan(sas);
      if (this.stopped || this.status !== 'Restoring') return;
      await this.restoreWhatCan();
      if (this.stopped || this.status !== 'Restoring') return;
      await this.pause();
    }
  }

  private sas(): string | undefined {
    const { start, host, location } = this.options;
    if (start.storageContainerIdentity === 'ManagedIdentity') return host.managedIdentitySas?.(location.folderUrl);
    return start.storageContainerSasToken;
  }

  private async pause(): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return;
    }
    this.wakeController = new AbortController();
    try {
      await this.options.host.sleep(this.options.scanIntervalMs, this.wakeController.signal);
    } catch {
      // woken by completeRestore or stopped: the loop looks again
    }
    this.wakeRequested = false;
  }

  /** lists the folder and decodes the files not seen before */
  private async scan(sas: string): Promise<void> {
    const { location } = this.options;
    const signal = this.stopController.signal;
    let blobs: FolderBlob[];
    try {
      blobs = await listFolder(location, sas, signal);
    } catch (error) {
      this.storageFailed(error);
      return;
    }
    this.blockReason = undefined;
    const fresh = blobs.filter((b) => !this.catalog.knows(b.name)).sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || a.name.localeCompare(b.name));
    for (const blob of fresh) {
      let bytes: Buffer;
      try {
        bytes = await downloadBlob(location, sas, blob, signal);
      } catch (error) {
        this.storageFailed(error);
        if (this.stopped || this.status !== 'Restoring') return;
        continue;
      }
      if (this.stopped) return;
      const decoded = decodeFamily(blob.url, bytes);
      if (decoded.ok) this.catalog.addDecoded(blob, decoded.header);
      else this.catalog.addUnrestorable(blob);
    }
  }

  /** a storage failure: fatal ones end the job, others show in blockReason until the next scan */
  private storageFailed(error: unknown): void {
    if (this.stopped) return;
    if (!(error instanceof StorageProblem)) throw error;
    if (error.fatal) this.fail(error.sqlMessage.message);
    else this.blockReason = error.sqlMessage.message;
  }

  /** restores set after set while the plan has one, then checks for the last backup */
  private async restoreWhatCan(): Promise<void> {
    const { host, database } = this.options;
    for (;;) {
      if (this.stopped || this.status !== 'Restoring' || this.finishIfTargetRestored()) return;
      const db = host.findDatabase(database);
      if (!db || db.state !== 'RESTORING') {
        this.fail(m.databaseMissingForRestore(database).message);
        return;
      }
      const step = nextStep(this.catalog.sets(), (s) => this.catalog.isComplete(s), db);
      if (!step) return;
      const set = step.set;
      if (step.kind === 'skip') {
        set.status = 'Skipped';
        continue;
      }
      const prepared = prepareSet(host, set, db);
      if (!prepared.ok) {
        set.status = 'Failed';
        this.fail(prepared.error.message);
        return;
      }
      set.status = 'Restoring';
      set.startedAt = host.now();
      this.current = set;
      const controller = new AbortController();
      this.restoreController = controller;
      const urls = this.catalog.stripeFiles(set).map((f) => f.url);
      try {
        await restoreSet({ host, database, set, chain: step.chain, files: prepared.files, urls }, controller.signal);
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof DatabaseGone) {
          this.fail(m.databaseMissingForRestore(database).message);
          return;
        }
        if (!controller.signal.aborted) throw error;
        // abandoned by completeRestore: the set was not applied
        set.status = 'Queued';
        set.startedAt = undefined;
        continue;
      } finally {
        this.current = undefined;
        this.restoreController = undefined;
      }
      set.status = 'Restored';
      set.finishedAt = host.now();
      this.lastRestored = { name: this.lastNameOf(set), time: set.finishedAt, type: backupTypeOf(set.header) };
    }
  }

  /** the name a restored set reports: the target file when it is in the set, else its last stripe */
  private lastNameOf(set: BackupSetEntry): string {
    const files = this.catalog.stripeFiles(set);
    const target = this.target?.toLowerCase();
    return (files.find((f) => f.name.toLowerCase() === target) ?? files[files.length - 1]).name;
  }

  /** recovers the database once the target file's set is restored */
  private finishIfTargetRestored(): boolean {
    if (this.target === undefined || this.status !== 'Restoring') return false;
    const set = this.catalog.setOf(this.target);
    if (set?.status !== 'Restored') return false;
    const db = this.options.host.findDatabase(this.options.database);
    if (!db || db.state !== 'RESTORING' || !db.restoreChain) return false;
    recover(db, db.restoreChain);
    this.status = 'Completed';
    this.completedAt = this.options.host.now();
    const name = this.catalog.files().find((f) => f.name.toLowerCase() === this.target?.toLowerCase())?.name ?? this.target;
    this.lastRestored = { name, time: set.finishedAt ?? this.completedAt, type: backupTypeOf(set.header) };
    return true;
  }

  private fail(reason: string): void {
    this.status = 'Failed';
    this.blockReason = reason;
    this.current = undefined;
  }
}
