// Reading a media set: the devices of a RESTORE, each decoded, checked to belong together and to be
// complete. Errors come back as SQL Server's inner messages; the caller adds 3013.
import type { BackupDevice } from '../sql/ast';
import type { SqlMessage } from '../tds/types';
import { deviceAuth, DeviceError, readDevice } from './blobDevice';
import { BackupFormatError, damagedAtPercent, decodeBackup, type BackupHeader } from './format';
import type { BackupHost, StatementContext } from './host';
import { m, osErrors } from './messages';

export interface MediaFamily {
  url: string;
  header: BackupHeader;
  /** the file's pages are damaged this far through it (see damagedAtPercent) */
  damagedAtPercent?: number;
}

export type MediaResult = { ok: true; families: MediaFamily[] } | { ok: false; errors: SqlMessage[] };

/** The device names as written (URL = 'x' evaluates 'x'). */
export function deviceNames(devices: BackupDevice[], ctx: StatementContext): string[] {
  return devices.map((d) => String(ctx.evaluate(d.location) ?? ''));
}

/**
 * Non-URL devices: SQL Server would look for a local file the emulator never has (OS error 2);
 * a managed instance refuses the device type (41902).
 */
export function refuseNonUrl(host: BackupHost, devices: BackupDevice[], names: string[]): SqlMessage | undefined {
  const i = devices.findIndex((d) => d.kind !== 'URL');
  if (i < 0) return undefined;
  if (host.config.kind === 'managedInstance') return m.miDeviceNotSupported();
  return m.cannotOpenDevice(names[i], osErrors.fileNotFound);
}

export function decodeFamily(url: string, blob: Buffer): { ok: true; header: BackupHeader; damagedAtPercent?: number } | { ok: false; error: SqlMessage } {
  try {
    const header = decodeBackup(blob);
    return { ok: true, header, damagedAtPercent: damagedAtPercent(blob) };
  } catch (error) {
    if (error instanceof BackupFormatError) {
      return { ok: false, error: error.kind === 'truncated' ? m.badEnd(url) : m.incorrectlyFormed(url) };
    }
    throw error;
  }
}

/** Reads and decodes every device (in parallel, as SQL Server opens all stripes at once). */
export async function readFamilies(host: BackupHost, urls: string[], signal?: AbortSignal): Promise<MediaResult> {
  const results = await Promise.all(
    urls.map(async (url) => {
      try {
        const blob = await readDevice(url, deviceAuth(host, url), signal);
        return decodeFamily(url, blob);
      } catch (error) {
        if (error instanceof DeviceError) return { ok: false as const, error: error.sqlMessage };
        throw error;
      }
    }),
  );
  const errors: SqlMessage[] = [];
  const families: MediaFamily[] = [];
  results.forEach((r, i) => (r.ok ? families.push({ url: urls[i], header: r.header, damagedAtPercent: r.damagedAtPercent }) : errors.push(r.error)));
  // SQL Server reports the first device that failed, then gives up
  return errors.length > 0 ? { ok: false, errors: [errors[0]] } : { ok: true, families };
}

/** All members of the media set, each once (3227 for a family given twice, 3132 for missing ones). */
export function checkMediaSet(families: MediaFamily[]): SqlMessage | undefined {
  const first = families[0].header;
  const seen = new Map<number, string>();
  for (const f of families) {
    if (f.header.mediaSetId !== first.mediaSetId) continue;
    const other = seen.get(f.header.familySequenceNumber);
    if (other !== undefined) return m.familyTwice(f.url, f.header.familySequenceNumber, other);
    seen.set(f.header.familySequenceNumber, f.url);
  }
  if (seen.size < first.familyCount) return m.mediaFamilies(first.familyCount, seen.size);
  return undefined;
}

/** The first damaged page of the media set, when the restore verifies checksums. */
export function damageFound(families: MediaFamily[], verifyingChecksums: boolean): number | undefined {
  if (!verifyingChecksums) return undefined;
  const found = families.map((f) => f.damagedAtPercent).filter((p): p is number => p !== undefined);
  return found.length ? Math.min(...found) : undefined;
}
