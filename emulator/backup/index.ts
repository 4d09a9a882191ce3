// The backup/restore feature's entry points for the engine.
export type { BackupFaults, BackupHistoryRow, BackupHost, RestoreHistoryRow, StatementContext } from './host';
export { runBackup, tdeThumbprintOf, type BackupStatement } from './backup';
export { runRestore, type RestoreStatement } from './restore';
export { runInspect } from './inspect';
export { decodeBackup, encodeBackup, type BackupHeader } from './format';

import type { Statement } from '../sql/ast';
import type { RequestOutput } from '../tds/types';
import { runBackup } from './backup';
import type { BackupHost, StatementContext } from './host';
import { runInspect } from './inspect';
import { runRestore } from './restore';

/** Runs any BACKUP or RESTORE statement; other statements are not this module's. */
export function runBackupStatement(
  host: BackupHost,
  ctx: StatementContext,
  stmt: Extract<Statement, { kind: 'backup' | 'restore' }>,
): AsyncGenerator<RequestOutput, void> {
  if (stmt.kind === 'backup') return runBackup(host, ctx, stmt);
  if (stmt.action === 'DATABASE' || stmt.action === 'LOG') return runRestore(host, ctx, stmt);
  return runInspect(host, ctx, stmt);
}
