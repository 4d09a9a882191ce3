// What the Log Replay Service is given: the plan's files copied into one flat folder of their own,
// named so the service takes each (.bak full, .diff differential, .log log: it ignores .trn and
// anything else), in plan order. Pure, so the naming rules are unit-tested.
import { createHash } from 'node:crypto';
import type { PlannedStep } from './state';

export interface StagedFile {
  /** the blob the copy comes from */
  sourceUrl: string;
  /** the file name inside the folder */
  name: string;
}

const EXTENSION = { full: 'bak', differential: 'diff', log: 'log' } as const;

/**
 * The folder for one operation. Hex only, so it can never contain the words "backup" or
 * "backups", which the service refuses in a folder path.
 */
export function logReplayFolder(operationId: string): string {
  return `lrs-${createHash('sha256').update(operationId).digest('hex').slice(0, 24)}`;
}

/** Every stripe of every planned backup, numbered in restore order: 001-full.bak, 002-log-1of2.log … */
export function stagedFiles(plan: readonly PlannedStep[]): StagedFile[] {
  const width = Math.max(3, String(plan.length).length);
  return plan.flatMap((step, i) => {
    const base = `${String(i + 1).padStart(width, '0')}-${step.kind}`;
    return step.urls.map((sourceUrl, s) => ({
      sourceUrl,
      name: step.urls.length > 1 ? `${base}-${s + 1}of${step.urls.length}.${EXTENSION[step.kind]}` : `${base}.${EXTENSION[step.kind]}`,
    }));
  });
}

/** The service recovers the database once the backup holding this file is restored. */
export function lastBackupName(plan: readonly PlannedStep[]): string {
  const files = stagedFiles(plan);
  const last = plan[plan.length - 1];
  // the first stripe of the last backup names it
  return files[files.length - last.urls.length].name;
}
