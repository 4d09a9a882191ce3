// The restore planner: from what is in the container (blobs with their labels and headers) to an
// ordered restore plan, or the reason there is none yet. Pure: no I/O, so every rule of backup
// sets and log chains is unit-tested on its own.
import { BackupBlob, BackupSet, backupKindOf } from './backupSet';
import { formatLsn, Lsn } from './lsn';

export interface RestoreStep {
  set: BackupSet;
  /** WITH NORECOVERY for all but the last step of the chain */
  recovery: boolean;
}

export interface RestorePlan {
  databaseName: string;
  steps: RestoreStep[];
}

export type PlanProblem =
  | { code: 'STRIPES_MISSING'; message: string; mediaSetId: string; present: number[]; expected: number }
  | { code: 'NO_FULL_BACKUP'; message: string }
  | { code: 'LOG_CHAIN_GAP'; message: string; fromLsn: string; toLsn: string }
  | { code: 'MULTIPLE_BACKUP_SETS'; message: string; url: string }
  | { code: 'UNSUPPORTED_BACKUP_TYPE'; message: string; url: string }
  | { code: 'MIXED_DATABASES'; message: string; databases: string[] }
  | { code: 'INCONSISTENT_MEDIA_SET'; message: string; mediaSetId: string }
  | { code: 'LSN_PRECISION'; message: string };

export type PlanResult = { ok: true; plan: RestorePlan } | { ok: false; problem: PlanProblem };

const fail = (problem: PlanProblem): PlanResult => ({ ok: false, problem });

/** Groups blobs into backup sets; a set is complete when every family 1..FamilyCount is there. */
export function assembleSets(blobs: readonly BackupBlob[]): { sets: BackupSet[]; incomplete?: PlanProblem } {
  const byMedia = new Map<string, BackupBlob[]>();
  for (const blob of blobs) {
    const key = blob.label.mediaSetId.toLowerCase();
    byMedia.set(key, [...(byMedia.get(key) ?? []), blob]);
  }
  const sets: BackupSet[] = [];
  let incomplete: PlanProblem | undefined;
  for (const members of byMedia.values()) {
    const first = members[0];
    const expected = first.label.familyCount;
    if (members.some((m) => m.label.familyCount !== expected || m.header.backupSetGuid !== first.header.backupSetGuid)) {
      return { sets, incomplete: { code: 'INCONSISTENT_MEDIA_SET', mediaSetId: first.label.mediaSetId, message: `the blobs of media set ${first.label.mediaSetId} disagree about their family count or backup set` } };
    }
    const byFamily = new Map<number, BackupBlob>();
    for (const m of members) byFamily.set(m.label.familySequenceNumber, m);
    const present = [...byFamily.keys()].sort((a, b) => a - b);
    if (present.length < expected) {
      const missing = Array.from({ length: expected }, (_, i) => i + 1).filter((n) => !byFamily.has(n));
      incomplete ??= {
        code: 'STRIPES_MISSING',
        mediaSetId: first.label.mediaSetId,
        present,
        expected,
        message: `backup of ${first.header.databaseName} is striped over ${expected} files; ${present.length} present, missing stripe${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`,
      };
      continue;
    }
    const kind = backupKindOf(first.header.backupType);
    if (!kind) continue; // file and partial backups are not part of an automated chain
    sets.push({ kind, mediaSetId: first.label.mediaSetId, urls: present.map((n) => byFamily.get(n)?.url ?? ''), header: first.header });
  }
  return { sets, incomplete };
}

/**
 * Exactly the backup that arrived: with `endsWith` (the URL of the blob that started the restore),
 * the plan restores that blob's backup set — a full: that full alone; a differential: its full and
 * it; a log: the chain that ends with it (its full, the newest differential on that full that comes
 * before it, the logs in between) — whatever newer backups the container also holds. Without it:
 * the newest full backup, the newest differential based on it, then the log backups that continue
 * the chain. Everything must be one database. A missing log is a gap that stops the plan, naming
 * the missing LSN range.
 */
export function planRestore(blobs: readonly BackupBlob[], options: { endsWith?: string } = {}): PlanResult {
  for (const b of blobs) {
    if (b.header.backupSetCount > 1) {
      return fail({ code: 'MULTIPLE_BACKUP_SETS', url: b.url, message: `${b.name} holds ${b.header.backupSetCount} backup sets; automated restores take one backup set per file (BACKUP ... WITH FORMAT)` });
    }
    if (!backupKindOf(b.header.backupType)) {
      return fail({ code: 'UNSUPPORTED_BACKUP_TYPE', url: b.url, message: `${b.name} is a backup of type ${b.header.backupType}; only full (1), differential (5) and log (2) backups are restored automatically` });
    }
  }
  const databases = [...new Set(blobs.map((b) => b.header.databaseName))];
  if (databases.length > 1) {
    return fail({ code: 'MIXED_DATABASES', databases, message: `the backups belong to different databases (${databases.join(', ')}); a rule's files must be of one database` });
  }
  const { sets, incomplete } = assembleSets(blobs);
  if (options.endsWith !== undefined) return planEndingWith(blobs, sets, options.endsWith);
  const fulls = sets.filter((s) => s.kind === 'full').sort((a, b) => compare(b.header.lastLsn, a.header.lastLsn));
  const full = fulls[0];
  if (!full) return incomplete ? fail(incomplete) : fail({ code: 'NO_FULL_BACKUP', message: `there is no complete full backup of ${databases[0] ?? 'the database'} to start from` });
  // A striped full that is still arriving blocks the plan: restoring an older chain would be wrong.
  if (incomplete && incomplete.code === 'STRIPES_MISSING') {
    const pending = blobs.find((b) => b.label.mediaSetId === incomplete.mediaSetId);
    if (pending && pending.header.lastLsn > full.header.lastLsn) return fail(incomplete);
  }
  if (incomplete && incomplete.code === 'INCONSISTENT_MEDIA_SET') return fail(incomplete);

  const chain: BackupSet[] = [full];
  const diffs = sets
    .filter((s) => s.kind === 'differential' && (s.header.differentialBaseLsn ?? s.header.databaseBackupLsn) === full.header.checkpointLsn)
    .sort((a, b) => compare(b.header.lastLsn, a.header.lastLsn));
  if (diffs[0]) chain.push(diffs[0]);

  let reached = chain[chain.length - 1].header.lastLsn;
  const logs = sets.filter((s) => s.kind === 'log' && s.header.lastLsn > reached).sort((a, b) => compare(a.header.firstLsn, b.header.firstLsn));
  for (const log of logs) {
    if (log.header.lastLsn <= reached) continue; // already covered
    if (log.header.firstLsn > reached) {
      return fail({
        code: 'LOG_CHAIN_GAP',
        fromLsn: formatLsn(reached),
        toLsn: formatLsn(log.header.firstLsn),
        message: `the log chain of ${full.header.databaseName} has a gap: no log backup covers LSN ${formatLsn(reached)} to ${formatLsn(log.header.firstLsn)} (the next one, ${log.urls[0]}, starts at ${formatLsn(log.header.firstLsn)})`,
      });
    }
    chain.push(log);
    reached = log.header.lastLsn;
  }
  return finish(chain);
}

function finish(chain: BackupSet[]): PlanResult {
  const full = chain[0];
  if (chain.length > 1 && chain.some((s) => s.header.lsnApproximate)) {
    return fail({
      code: 'LSN_PRECISION',
      message: `the chain of ${full.header.databaseName} has ${chain.length} files, and this target reports LSNs only as rounded numbers (exact LSNs need SQL Server 2022 or a managed instance); restore the full backup alone or target a newer instance`,
    });
  }
  return {
    ok: true,
    plan: { databaseName: full.header.databaseName, steps: chain.map((set, i) => ({ set, recovery: i === chain.length - 1 })) },
  };
}

function planEndingWith(blobs: readonly BackupBlob[], sets: readonly BackupSet[], url: string): PlanResult {
  const trigger = blobs.find((b) => b.url === url);
  if (!trigger) return fail({ code: 'NO_FULL_BACKUP', message: `${url} is not among the backup files read` });
  const mine = sets.find((s) => s.mediaSetId.toLowerCase() === trigger.label.mediaSetId.toLowerCase());
  if (!mine) {
    // the set is incomplete: its own stripes are what to wait for
    const { incomplete } = assembleSets(blobs.filter((b) => b.label.mediaSetId.toLowerCase() === trigger.label.mediaSetId.toLowerCase()));
    return fail(incomplete ?? { code: 'UNSUPPORTED_BACKUP_TYPE', url, message: `${trigger.name} is a backup of type ${trigger.header.backupType}` });
  }
  if (mine.kind === 'full') return finish([mine]);
  const end = mine.header.lastLsn;
  // a full (or differential) ends before the backup that arrived does; the first log backup after a
  // full starts before the full's end (at the start of the log chain), so LSN coverage is checked below
  const fulls = sets.filter((s) => s.kind === 'full' && s.header.lastLsn < end).sort((a, b) => compare(b.header.lastLsn, a.header.lastLsn));
  if (mine.kind === 'differential') {
    const base = fulls.find((f) => f.header.checkpointLsn === (mine.header.differentialBaseLsn ?? mine.header.databaseBackupLsn));
    if (!base) {
      return fail({ code: 'NO_FULL_BACKUP', message: `the differential backup ${trigger.name} is based on a full backup (checkpoint LSN ${formatLsn(mine.header.differentialBaseLsn ?? mine.header.databaseBackupLsn)}) that is not in the container` });
    }
    return finish([base, mine]);
  }
  const full = fulls[0];
  if (!full) return fail({ code: 'NO_FULL_BACKUP', message: `there is no complete full backup of ${mine.header.databaseName} before the log backup ${trigger.name} to start its chain from` });
  const chain: BackupSet[] = [full];
  const diff = sets
    .filter((s) => s.kind === 'differential' && (s.header.differentialBaseLsn ?? s.header.databaseBackupLsn) === full.header.checkpointLsn && s.header.lastLsn < end)
    .sort((a, b) => compare(b.header.lastLsn, a.header.lastLsn))[0];
  if (diff) chain.push(diff);
  let reached = chain[chain.length - 1].header.lastLsn;
  const logs = sets
    .filter((s) => s.kind === 'log' && s.header.lastLsn > reached && s.header.lastLsn <= end)
    .sort((a, b) => compare(a.header.firstLsn, b.header.firstLsn));
  for (const log of logs) {
    if (log.header.lastLsn <= reached) continue;
    if (log.header.firstLsn > reached) {
      return fail({
        code: 'LOG_CHAIN_GAP',
        fromLsn: formatLsn(reached),
        toLsn: formatLsn(log.header.firstLsn),
        message: `the log chain of ${full.header.databaseName} up to ${trigger.name} has a gap: no log backup covers LSN ${formatLsn(reached)} to ${formatLsn(log.header.firstLsn)}`,
      });
    }
    chain.push(log);
    reached = log.header.lastLsn;
    if (log === mine) return finish(chain);
  }
  return fail({
    code: 'LOG_CHAIN_GAP',
    fromLsn: formatLsn(reached),
    toLsn: formatLsn(mine.header.firstLsn),
    message: `the log chain of ${full.header.databaseName} up to ${trigger.name} has a gap: no log backup covers LSN ${formatLsn(reached)} to ${formatLsn(mine.header.firstLsn)}`,
  });
}

/**
 * A newer backup among `blobs` whose own restore (the chain that ends with it) would include the
 * backup set of `url`: the newest such set's first file, or undefined. A pending restore of an
 * older member of a chain steps aside for it, so the chain is restored once.
 */
export function supersedingBackup(blobs: readonly BackupBlob[], url: string): string | undefined {
  const trigger = blobs.find((b) => b.url === url);
  if (!trigger) return undefined;
  const { sets } = assembleSets(blobs);
  const mine = sets.find((s) => s.mediaSetId.toLowerCase() === trigger.label.mediaSetId.toLowerCase());
  if (!mine) return undefined;
  const newer = sets
    .filter((s) => s !== mine && s.header.databaseName === mine.header.databaseName && s.header.lastLsn > mine.header.lastLsn)
    .sort((a, b) => compare(b.header.lastLsn, a.header.lastLsn));
  for (const candidate of newer) {
    const plan = planEndingWith(blobs, sets, candidate.urls[0]);
    if (plan.ok && plan.plan.steps.some((step) => step.set.mediaSetId === mine.mediaSetId)) return candidate.urls[0];
  }
  return undefined;
}

function compare(a: Lsn, b: Lsn): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
