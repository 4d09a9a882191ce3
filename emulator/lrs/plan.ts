// Which backup set an LRS restores next, in LSN order: a full first (the newest complete one),
// then the newest differential based on it, then the logs that continue the chain. Sets that can
// never apply to this chain are skipped; sets that may apply once another file arrives (a missing
// stripe, an earlier log) stay queued. Pure: reads the catalog's sets and the restoring database.
import type { Database } from '../engine/model';
import { continueChain, startChain, type RestoreChain } from '../backup/lsnChain';
import type { BackupSetEntry } from './catalog';

export type PlanStep = { kind: 'restore'; set: BackupSetEntry; chain: RestoreChain } | { kind: 'skip'; set: BackupSetEntry };

/** 4326: the log ends before the restored point; 3136: a differential of another full */
const NEVER_APPLIES = new Set([4326, 3136]);

export function nextStep(sets: BackupSetEntry[], isComplete: (set: BackupSetEntry) => boolean, db: Database): PlanStep | undefined {
  const queued = sets.filter((s) => s.status === 'Queued');
  const chain = db.restoreChain;
  if (!chain) {
    const fulls = queued.filter((s) => s.header.backupType === 1 && isComplete(s)).sort((a, b) => compare(b.header.lastLsn, a.header.lastLsn));
    return fulls.length > 0 ? { kind: 'restore', set: fulls[0], chain: startChain(fulls[0].header) } : undefined;
  }
  // LRS restores one full per database: a later full, or another database's backup, never applies
  const foreign = queued.find((s) => s.header.backupType === 1 || s.header.familyGuid !== db.familyGuid);
  if (foreign) return { kind: 'skip', set: foreign };
  const diffs: { set: BackupSetEntry; chain: RestoreChain }[] = [];
  const logs: { set: BackupSetEntry; chain: RestoreChain }[] = [];
  for (const set of queued) {
    if (!isComplete(set)) continue;
    const next = continueChain(db, set.header);
    if (!next.ok) {
      if (NEVER_APPLIES.has(next.error.number)) return { kind: 'skip', set };
      continue;
    }
    if (set.header.backupType === 5) {
      // a differential older than what is restored already adds nothing
      if (set.header.lastLsn <= chain.lastRestoredLsn) return { kind: 'skip', set };
      diffs.push({ set, chain: next.value });
    } else logs.push({ set, chain: next.value });
  }
  if (diffs.length > 0) {
    const newest = diffs.sort((a, b) => compare(b.set.header.lastLsn, a.set.header.lastLsn))[0];
    return { kind: 'restore', ...newest };
  }
  if (logs.length > 0) {
    const earliest = logs.sort((a, b) => compare(a.set.header.lastLsn, b.set.header.lastLsn))[0];
    return { kind: 'restore', ...earliest };
  }
  return undefined;
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
