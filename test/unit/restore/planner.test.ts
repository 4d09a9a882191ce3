import { BackupBlob, BackupHeader } from '../../../shared/restore/backupSet';
import { namedStripeSets } from '../../../shared/restore/namedStripes';
import { planRestore } from '../../../shared/restore/planner';

let guid = 0;
function backup(kind: 'full' | 'diff' | 'log', first: bigint, last: bigint, opts: Partial<BackupHeader> & { stripes?: number; media?: string; name?: string } = {}): BackupBlob[] {
  const stripes = opts.stripes ?? 1;
  const media = opts.media ?? `media-${++guid}`;
  const header: BackupHeader = {
    backupType: kind === 'full' ? 1 : kind === 'diff' ? 5 : 2,
    databaseName: 'Sales',
    serverName: 'sql-onprem',
    firstLsn: first,
    lastLsn: last,
    checkpointLsn: first,
    databaseBackupLsn: 0n,
    backupSetGuid: `set-${media}`,
    isCopyOnly: false,
    backupFinishDate: new Date(),
    databaseVersion: 957,
    softwareVersionMajor: 16,
    backupSetCount: 1,
    ...opts,
  };
  return Array.from({ length: stripes }, (_, i) => ({
    url: `https://acct/backups/${opts.name ?? media}_${i + 1}of${stripes}.bak`,
    name: `${opts.name ?? media}_${i + 1}of${stripes}.bak`,
    label: { mediaSetId: media, familyCount: stripes, familySequenceNumber: i + 1 },
    header,
  }));
}

const shuffle = <T>(xs: T[]): T[] => xs.map((x) => [Math.sin(xs.indexOf(x) * 7919), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);

test('a 4-stripe full backup is planned only when all four stripes are present, in family order', () => {
  const full = backup('full', 1000n, 2000n, { stripes: 4, name: 'Sales_full' });
  const partial = planRestore([full[3], full[0], full[2]]);
  expect(partial).toEqual({
    ok: false,
    problem: expect.objectContaining({ code: 'STRIPES_MISSING', expected: 4, present: [1, 3, 4], message: 'backup of Sales is striped over 4 files; 3 present, missing stripe 2' }),
  });
  const complete = planRestore(shuffle(full));
  expect(complete.ok && complete.plan.steps.map((s) => s.set.urls)).toEqual([full.map((b) => b.url)]);
  expect(complete.ok && complete.plan.steps[0].recovery).toBe(true);
});

test('full + differential + 3 logs uploaded out of order are restored in LSN order, recovering at the end', () => {
  const full = backup('full', 1000n, 1100n, { name: 'full' });
  const diff = backup('diff', 3000n, 3100n, { name: 'diff', databaseBackupLsn: 1000n, differentialBaseLsn: 1000n });
  const log1 = backup('log', 3100n, 4000n, { name: 'log1' });
  const log2 = backup('log', 4000n, 5000n, { name: 'log2' });
  const log3 = backup('log', 5000n, 6000n, { name: 'log3' });
  const old = backup('log', 1000n, 2000n, { name: 'covered-by-diff' });
  const result = planRestore([...log3, ...old, ...diff, ...log1, ...full, ...log2]);
  expect(result.ok).toBe(true);
  if (!result.ok) return;
  expect(result.plan.steps.map((s) => `${s.set.kind}:${s.set.urls[0].split('/').pop()}:${s.recovery ? 'RECOVERY' : 'NORECOVERY'}`)).toEqual([
    'full:full_1of1.bak:NORECOVERY',
    'differential:diff_1of1.bak:NORECOVERY',
    'log:log1_1of1.bak:NORECOVERY',
    'log:log2_1of1.bak:NORECOVERY',
    'log:log3_1of1.bak:RECOVERY',
  ]);
});

test('a gap in the log chain stops the plan and names the missing LSN range', () => {
  const full = backup('full', 1000n, 1100n);
  const log1 = backup('log', 1000n, 2000n);
  const log3 = backup('log', 3000n, 4000n, { name: 'Sales_log3' });
  const result = planRestore([...full, ...log1, ...log3]);
  expect(result).toEqual({
    ok: false,
    problem: {
      code: 'LOG_CHAIN_GAP',
      fromLsn: '2000',
      toLsn: '3000',
      message: 'the log chain of Sales has a gap: no log backup covers LSN 2000 to 3000 (the next one, https://acct/backups/Sales_log3_1of1.bak, starts at 3000)',
    },
  });
});

test('the newest full wins; a differential of another base is ignored; logs only', () => {
  const oldFull = backup('full', 100n, 200n, { name: 'old' });
  const newFull = backup('full', 5000n, 5100n, { name: 'new' });
  const foreignDiff = backup('diff', 6000n, 6100n, { databaseBackupLsn: 100n, differentialBaseLsn: 100n });
  const result = planRestore([...oldFull, ...foreignDiff, ...newFull]);
  expect(result.ok && result.plan.steps.map((s) => s.set.urls[0])).toEqual([newFull[0].url]);
  expect(planRestore(backup('log', 1n, 2n))).toEqual({ ok: false, problem: { code: 'NO_FULL_BACKUP', message: 'there is no complete full backup of Sales to start from' } });
});

test('refuses files with several backup sets, other backup types, and mixed databases', () => {
  expect(planRestore(backup('full', 1n, 2n, { backupSetCount: 2, name: 'appended' }))).toMatchObject({ ok: false, problem: { code: 'MULTIPLE_BACKUP_SETS' } });
  expect(planRestore(backup('full', 1n, 2n, { backupType: 4 }))).toMatchObject({ ok: false, problem: { code: 'UNSUPPORTED_BACKUP_TYPE' } });
  expect(planRestore([...backup('full', 1n, 2n), ...backup('full', 3n, 4n, { databaseName: 'HR' })])).toMatchObject({
    ok: false,
    problem: { code: 'MIXED_DATABASES', databases: ['Sales', 'HR'] },
  });
});

test('a newer striped full still arriving blocks the plan instead of restoring the older chain', () => {
  const older = backup('full', 100n, 200n);
  const newer = backup('full', 900n, 1000n, { stripes: 2 });
  expect(planRestore([...older, newer[0]])).toMatchObject({ ok: false, problem: { code: 'STRIPES_MISSING', present: [1], expected: 2 } });
});

test('stripes by name: grouped per backup, missing numbers listed', () => {
  const pattern = '{server}/{database}/{database}_{timestamp}_{stripe}of{stripes}.bak';
  const sets = namedStripeSets(pattern, [
    'sql1/Sales/Sales_20261122_3of4.bak',
    'sql1/Sales/Sales_20261122_1of4.bak',
    'sql1/Sales/Sales_20261121_1of1.bak',
    'sql1/Sales/readme.txt',
  ]);
  expect(sets.map((s) => ({ expected: s.expected, present: [...s.present.keys()].sort(), missing: s.missing }))).toEqual([
    { expected: 4, present: [1, 3], missing: [2, 4] },
    { expected: 1, present: [1], missing: [] },
  ]);
});

test('LSNs read as rounded numbers allow a full backup alone, never a chain', () => {
  const full = backup('full', 1000n, 1100n, { lsnApproximate: true });
  expect(planRestore(full).ok).toBe(true);
  const log = backup('log', 1000n, 2000n, { lsnApproximate: true });
  expect(planRestore([...full, ...log])).toMatchObject({ ok: false, problem: { code: 'LSN_PRECISION', message: expect.stringContaining('exact LSNs need SQL Server 2022') } });
});
