// What an LRS has found in its folder: every considered file once (by name, case-insensitive), and
// the backup sets they belong to, grouped by media set with one file per stripe (media family).
import type { BackupHeader } from '../backup/format';
import type { FolderBlob } from './listing';
import type { LrsBackupType, LrsSetStatus } from './types';

export interface CatalogFile {
  name: string;
  url: string;
  sizeBytes: number;
  uploadedAt: Date;
  /** the order files were found in: breaks ties between upload times (storage keeps whole seconds) */
  seq: number;
  /** why the file takes no part: it did not decode, or its stripe came in another file already */
  excluded?: 'unrestorable' | 'duplicate';
  /** the media set it belongs to, once decoded */
  setKey?: string;
}

export interface BackupSetEntry {
  /** the media set's id: one backup set per media set (position 1) */
  key: string;
  /** the header of the first stripe found (all stripes carry the same backup set) */
  header: BackupHeader;
  /** stripe files by family sequence number */
  stripes: Map<number, CatalogFile>;
  status: LrsSetStatus;
  startedAt?: Date;
  finishedAt?: Date;
}

export function backupTypeOf(header: BackupHeader): LrsBackupType {
  return header.backupType === 1 ? 'Full' : header.backupType === 5 ? 'Differential' : 'Log';
}

export class LrsCatalog {
  private readonly byName = new Map<string, CatalogFile>();
  private readonly byKey = new Map<string, BackupSetEntry>();
  private found = 0;

  knows(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }

  files(): CatalogFile[] {
    return [...this.byName.values()];
  }

  sets(): BackupSetEntry[] {
    return [...this.byKey.values()];
  }

  /** a file that is not a backup LRS can read */
  addUnrestorable(blob: FolderBlob): void {
    this.byName.set(blob.name.toLowerCase(), { ...this.fileOf(blob), excluded: 'unrestorable' });
  }

  addDecoded(blob: FolderBlob, header: BackupHeader): void {
    const file: CatalogFile = { ...this.fileOf(blob), setKey: header.mediaSetId };
    this.byName.set(blob.name.toLowerCase(), file);
    let set = this.byKey.get(header.mediaSetId);
    if (!set) {
      set = { key: header.mediaSetId, header, stripes: new Map(), status: 'Queued' };
      this.byKey.set(set.key, set);
    }
    if (set.stripes.has(header.familySequenceNumber)) file.excluded = 'duplicate';
    else set.stripes.set(header.familySequenceNumber, file);
  }

  /** every stripe 1..FamilyCount is there */
  isComplete(set: BackupSetEntry): boolean {
    return set.stripes.size >= set.header.familyCount;
  }

  /** the set holding the file with this name (case-insensitive) */
  setOf(name: string): BackupSetEntry | undefined {
    const key = this.byName.get(name.toLowerCase())?.setKey;
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** the stripe files in family order */
  stripeFiles(set: BackupSetEntry): CatalogFile[] {
    return [...set.stripes.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
  }

  /** the file uploaded last: newest upload time, then the one found last */
  newest(): CatalogFile | undefined {
    return this.files().reduce<CatalogFile | undefined>((best, f) => {
      if (!best) return f;
      const d = f.uploadedAt.getTime() - best.uploadedAt.getTime();
      return d > 0 || (d === 0 && f.seq > best.seq) ? f : best;
    }, undefined);
  }

  private fileOf(blob: FolderBlob): CatalogFile {
    return { name: blob.name, url: blob.url, sizeBytes: blob.sizeBytes, uploadedAt: blob.lastModified, seq: ++this.found };
  }
}
