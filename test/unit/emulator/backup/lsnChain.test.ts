import type { Database } from '../../../../emulator/engine/model';
import type { BackupHeader } from '../../../../emulator/backup/format';
import { afterBackup, continueChain, LSN_STEP, planBackupLsns, startChain } from '../../../../emulator/backup/lsnChain';

function db(overrides: Partial<Database> = {}): Database {
  return {
    databaseId: 5, name: 'D', state: 'ONLINE', recoveryModel: 'FULL', userAccess: 'MULTI_USER', compatibilityLevel: 160,
    collation: 'SQL_Latin1_General_CP1_CI_AS', createDate: new Date(0), tde: 'none', files: [], tables: [],
    lastLsn: 1_000_000n, databaseVersion: 957, workloadTps: 0, familyGuid: 'F', ...overrides,
  };
}

function headerFrom(type: 1 | 2 | 5, plan: ReturnType<typeof planBackupLsns>, guid: string, copyOnly = false): BackupHeader {
  if (!plan.ok) throw new Error(plan.error.message);
  return { backupType: type, backupSetGuid: guid, isCopyOnly: copyOnly, databaseName: 'D', ...plan.value } as BackupHeader;
}

describe('backup LSNs', () => {
  it('a full backup starts at the end of the log and becomes the differential base unless COPY_ONLY', () => {
    const d = db();
    const full = headerFrom(1, planBackupLsns(d, 1, 'BACKUP DATABASE'), 'G1');
    expect(full.firstLsn).toBe(1_000_000n);
    expect(full.lastLsn).toBe(1_000_000n + LSN_STEP);
    Object.assign(d, afterBackup(full, d.lastLsn));
    expect(d.differentialBaseLsn).toBe(full.firstLsn);
    expect(d.differentialBaseGuid).toBe('G1');
    const copy = headerFrom(1, planBackupLsns(d, 1, 'BACKUP DATABASE'), 'G2', true);
    Object.assign(d, afterBackup(copy, d.lastLsn));
    expect(d.differentialBaseGuid).toBe('G1');
  });

  it('log backups continue from the previous one', () => {
    const d = db();
    Object.assign(d, afterBackup(headerFrom(1, planBackupLsns(d, 1, 'x'), 'G1'), d.lastLsn));
    const log1 = headerFrom(2, planBackupLsns(d, 2, 'BACKUP LOG'), 'L1');
    expect(log1.firstLsn).toBe(d.differentialBaseLsn);
    Object.assign(d, afterBackup(log1, d.lastLsn));
    d.lastLsn += 5n * LSN_STEP;
    const log2 = headerFrom(2, planBackupLsns(d, 2, 'BACKUP LOG'), 'L2');
    expect(log2.firstLsn).toBe(log1.lastLsn);
    expect(log2.lastLsn).toBeGreaterThan(log2.firstLsn);
  });

  it('keeps a log that grew during the backup', () => {
    const d = db();
    const full = headerFrom(1, planBackupLsns(d, 1, 'x'), 'G1');
    expect(afterBackup(full, full.lastLsn + 7n).lastLsn).toBe(full.lastLsn + 7n);
  });

  it('refuses a differential without a base (3035), a log without a full (4214) and a log under SIMPLE (4208)', () => {
    const diff = planBackupLsns(db(), 5, 'BACKUP DATABASE');
    expect(diff.ok ? 0 : diff.error.number).toBe(3035);
    const log = planBackupLsns(db(), 2, 'BACKUP LOG');
    expect(log.ok ? 0 : log.error.number).toBe(4214);
    const simple = planBackupLsns(db({ recoveryModel: 'SIMPLE', differentialBaseLsn: 5n, differentialBaseGuid: 'G' }), 2, 'BACKUP LOG');
    expect(simple.ok ? 0 : simple.error.number).toBe(4208);
  });
});

describe('restore chain', () => {
  const source = db();
  Object.assign(source, afterBackup(headerFrom(1, planBackupLsns(source, 1, 'x'), 'FULL'), source.lastLsn));
  const full = headerFrom(1, { ok: true, value: { firstLsn: source.differentialBaseLsn!, lastLsn: source.lastLsn, checkpointLsn: 0n, databaseBackupLsn: 0n, differentialBaseLsn: null, differentialBaseGuid: null } }, 'FULL');
  source.lastLsn += 3n * LSN_STEP;
  const diff = headerFrom(5, planBackupLsns(source, 5, 'x'), 'DIFF');
  Object.assign(source, afterBackup(diff, source.lastLsn));
  const log1 = headerFrom(2, planBackupLsns(source, 2, 'x'), 'LOG1');
  Object.assign(source, afterBackup(log1, source.lastLsn));
  source.lastLsn += 3n * LSN_STEP;
  const log2 = headerFrom(2, planBackupLsns(source, 2, 'x'), 'LOG2');

  const restoring = (): Database => db({ state: 'RESTORING', restoreChain: startChain(full) });

  it('applies a differential of the restored full, then logs in order', () => {
    const target = restoring();
    const afterDiff = continueChain(target, diff);
    expect(afterDiff.ok).toBe(true);
    if (!afterDiff.ok) return;
    target.restoreChain = afterDiff.value;
    expect(afterDiff.value.backupSetGuids).toEqual(['FULL', 'DIFF']);
    const afterLog1 = continueChain(target, log1);
    expect(afterLog1.ok).toBe(true);
    if (afterLog1.ok) target.restoreChain = afterLog1.value;
    const afterLog2 = continueChain(target, log2);
    expect(afterLog2.ok && afterLog2.value.lastRestoredLsn).toBe(log2.lastLsn);
  });

  it('4305 for a log that begins after the restored point, 4326 for one that ends before it', () => {
    const skip = continueChain(restoring(), log2);
    expect(skip.ok ? 0 : skip.error.number).toBe(4305);
    const target = restoring();
    const r1 = continueChain(target, log1);
    if (r1.ok) target.restoreChain = r1.value;
    const again = continueChain(target, log1);
    expect(again.ok ? 0 : again.error.number).toBe(4326);
  });

  it('3136 for a differential of another full, 3117 when nothing is restoring, 3118 without a database', () => {
    const other = { ...diff, differentialBaseGuid: 'OTHER' };
    const r = continueChain(restoring(), other);
    expect(r.ok ? 0 : r.error.number).toBe(3136);
    const online = continueChain(db(), log1);
    expect(online.ok ? 0 : online.error.number).toBe(3117);
    const missing = continueChain(undefined, log1);
    expect(missing.ok ? 0 : missing.error.number).toBe(3118);
  });
});
