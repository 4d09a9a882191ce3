// WITH options of BACKUP and RESTORE: validated and turned into typed settings. Pure: the caller
// supplies how to evaluate an option's value.
import type { BackupOption, Expr } from '../sql/ast';
import type { SqlMessage, SqlValue } from '../tds/types';
import { m } from './messages';

export type Evaluate = (expr: Expr) => SqlValue;

/** A refusal found while reading the options; the caller wraps it in 3013 (or not, for 155). */
export class OptionError extends Error {
  constructor(readonly sqlMessage: SqlMessage) {
    super(sqlMessage.message);
    this.name = 'OptionError';
  }
}

export interface BackupSettings {
  copyOnly: boolean;
  compression: boolean;
  checksum: boolean;
  format: boolean;
  differential: boolean;
  /** NO_TRUNCATE: on BACKUP LOG, COPY_ONLY and CONTINUE_AFTER_ERROR together */
  noTruncate: boolean;
  stats?: number;
  name: string | null;
  description: string | null;
  mediaName: string | null;
  /** MAXTRANSFERSIZE in bytes as written (absent: the device's default; see sizing.ts) */
  maxTransferSize?: number;
  /** BLOCKSIZE in bytes as written */
  blockSize?: number;
}

export interface RestoreSettings {
  recovery: boolean;
  replace: boolean;
  checksum: boolean;
  /** NO_CHECKSUM: the backup's checksums are not verified (by default they are, when it has them) */
  noChecksum: boolean;
  stats?: number;
  file: number;
  moves: { logicalName: string; physicalName: string }[];
  /** every option as written, upper-case, for the managed instance's 41901 */
  written: string[];
}

// Accepted and without effect in the emulator (tuning, tape handling, history).
const BACKUP_IGNORED = new Set([
  'INIT', 'NOINIT', 'SKIP', 'NOSKIP', 'NOFORMAT', 'BUFFERCOUNT', 'MEDIADESCRIPTION',
  'REWIND', 'NOREWIND', 'UNLOAD', 'NOUNLOAD', 'CONTINUE_AFTER_ERROR', 'STOP_ON_ERROR', 'EXPIREDATE', 'RETAINDAYS',
  'NORECOVERY', 'CREDENTIAL', 'ENCRYPTION', 'RESTART',
]);
const RESTORE_IGNORED = new Set([
  'BUFFERCOUNT', 'MAXTRANSFERSIZE', 'BLOCKSIZE', 'REWIND', 'NOREWIND', 'UNLOAD', 'NOUNLOAD', 'CONTINUE_AFTER_ERROR',
  'STOP_ON_ERROR', 'RESTRICTED_USER', 'KEEP_REPLICATION', 'KEEP_CDC', 'NEW_BROKER', 'ENABLE_BROKER',
  'ERROR_BROKER_CONVERSATIONS', 'CREDENTIAL', 'MEDIANAME', 'MEDIAPASSWORD', 'PASSWORD', 'LOADHISTORY', 'NO_CHECKSUM', 'RESTART',
]);

function text(evaluate: Evaluate, option: BackupOption): string | null {
  if (!option.value) return null;
  const v = evaluate(option.value);
  return v === null ? null : String(v);
}

function integer(evaluate: Evaluate, option: BackupOption, fallback: number): number {
  if (!option.value) return fallback;
  const v = evaluate(option.value);
  const n = typeof v === 'bigint' ? Number(v) : Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

function stats(evaluate: Evaluate, option: BackupOption): number {
  // STATS without a value means every 10 percent
  const n = integer(evaluate, option, 10);
  if (n < 1 || n > 100) throw new OptionError(m.valueOutOfRange(n, 'STATS'));
  return n;
}

/** "multiples of 65536 bytes (64 KB) ranging up to 4194304 bytes (4 MB)" (the BACKUP reference) */
const MAX_TRANSFER_STEP = 65536;
const MAX_TRANSFER_MAX = 4194304;
/** "The supported sizes are 512, 1024, 2048, 4096, 8192, 16384, 32768, and 65536 (64 KB) bytes" */
const BLOCK_SIZES = new Set([512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]);

// UNCONFIRMED: the error number SQL Server gives for a MAXTRANSFERSIZE or BLOCKSIZE outside what the
// reference allows; 3250 is its "not within range" message for a BACKUP parameter
function maxTransferSize(evaluate: Evaluate, option: BackupOption): number {
  const n = integer(evaluate, option, Number.NaN);
  if (!Number.isFinite(n) || n < MAX_TRANSFER_STEP || n > MAX_TRANSFER_MAX || n % MAX_TRANSFER_STEP !== 0) {
    throw new OptionError(m.valueOutOfRange(Number.isFinite(n) ? n : 0, 'MAXTRANSFERSIZE'));
  }
  return n;
}

function blockSize(evaluate: Evaluate, option: BackupOption): number {
  const n = integer(evaluate, option, Number.NaN);
  if (!BLOCK_SIZES.has(n)) throw new OptionError(m.valueOutOfRange(Number.isFinite(n) ? n : 0, 'BLOCKSIZE'));
  return n;
}

function conflict(names: Set<string>, a: string, b: string): void {
  if (names.has(a) && names.has(b)) throw new OptionError(m.optionConflict(b, a));
}

export function readBackupOptions(options: BackupOption[], evaluate: Evaluate): BackupSettings {
  const s: BackupSettings = {
    copyOnly: false, compression: false, checksum: false, format: false, differential: false, noTruncate: false,
    name: null, description: null, mediaName: null,
  };
  const names = new Set(options.map((o) => o.name.toUpperCase()));
  conflict(names, 'COMPRESSION', 'NO_COMPRESSION');
  conflict(names, 'CHECKSUM', 'NO_CHECKSUM');
  conflict(names, 'FORMAT', 'NOFORMAT');
  conflict(names, 'DIFFERENTIAL', 'COPY_ONLY');
  for (const o of options) {
    const name = o.name.toUpperCase();
    switch (name) {
      case 'COPY_ONLY': s.copyOnly = true; break;
      case 'COMPRESSION': s.compression = true; break;
      case 'NO_COMPRESSION': s.compression = false; break;
      case 'CHECKSUM': s.checksum = true; break;
      case 'NO_CHECKSUM': s.checksum = false; break;
      case 'FORMAT': s.format = true; break;
      case 'DIFFERENTIAL': s.differential = true; break;
      case 'NO_TRUNCATE': s.noTruncate = true; break;
      case 'STATS': s.stats = stats(evaluate, o); break;
      case 'NAME': s.name = text(evaluate, o); break;
      case 'DESCRIPTION': s.description = text(evaluate, o); break;
      case 'MEDIANAME': s.mediaName = text(evaluate, o); break;
      case 'MAXTRANSFERSIZE': s.maxTransferSize = maxTransferSize(evaluate, o); break;
      case 'BLOCKSIZE': s.blockSize = blockSize(evaluate, o); break;
      default:
        if (!BACKUP_IGNORED.has(name)) throw new OptionError(m.notRecognizedOption(o.name, 'BACKUP'));
    }
  }
  return s;
}

export function readRestoreOptions(options: BackupOption[], evaluate: Evaluate): RestoreSettings {
  const s: RestoreSettings = { recovery: true, replace: false, checksum: false, noChecksum: false, file: 1, moves: [], written: [] };
  const names = new Set(options.map((o) => o.name.toUpperCase()));
  conflict(names, 'RECOVERY', 'NORECOVERY');
  conflict(names, 'CHECKSUM', 'NO_CHECKSUM');
  for (const o of options) {
    const name = o.name.toUpperCase();
    if (!s.written.includes(name)) s.written.push(name);
    switch (name) {
      case 'RECOVERY': s.recovery = true; break;
      case 'NORECOVERY': s.recovery = false; break;
      case 'REPLACE': s.replace = true; break;
      case 'CHECKSUM': s.checksum = true; break;
      case 'NO_CHECKSUM': s.noChecksum = true; break;
      case 'STATS': s.stats = stats(evaluate, o); break;
      case 'FILE': s.file = integer(evaluate, o, 1); break;
      case 'MOVE': {
        if (!o.move) throw new OptionError(m.notRecognizedOption(o.name, 'RESTORE'));
        s.moves.push({ logicalName: String(evaluate(o.move.logicalName)), physicalName: String(evaluate(o.move.physicalName)) });
        break;
      }
      default:
        if (!RESTORE_IGNORED.has(name)) throw new OptionError(m.notRecognizedOption(o.name, 'RESTORE'));
    }
  }
  return s;
}
