import { BackupBlob, BackupHeader } from '../../../shared/restore/backupSet';
import { namedStripeSets } from '../../../shared/restore/namedStripes';
import { planRestore } from '../../../shared/restore/planner';
import { backupSetKey, conventionalStripePattern } from '../../../shared/restore/stripeSet';

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

describe('exactly the backup that arrived', () => {
  const full1 = backup('full', 1000n, 1100n, { name: 'full1' });
  const log1 = backup('log', 1100n, 2000n, { name: 'log1' });
  const full2 = backup('full', 2500n, 2600n, { name: 'full2', stripes: 2 });
  const diff2 = backup('diff', 3000n, 3100n, { name: 'diff2', differentialBaseLsn: 2500n, databaseBackupLsn: 2500n });
  const log2 = backup('log', 2600n, 3500n, { name: 'log2' });
  const log3 = backup('log', 3500n, 4000n, { name: 'log3' });
  const all = [...full1, ...log1, ...full2, ...diff2, ...log2, ...log3];
  const names = (r: ReturnType<typeof planRestore>) => (r.ok ? r.plan.steps.map((s) => s.set.urls[0].split('/').pop()?.replace(/_\dof\d\.bak$/, '')) : r.problem.code);

  test('an older full that arrives after newer backups restores that full, not the newest chain', () => {
    expect(names(planRestore(all, { endsWith: full1[0].url }))).toEqual(['full1']);
    expect(names(planRestore(all))).toEqual(['full2', 'diff2', 'log2', 'log3']);
  });

  test('a log restores the chain that ends with it, not the logs after it', () => {
    expect(names(planRestore(all, { endsWith: log1[0].url }))).toEqual(['full1', 'log1']);
    // log2 spans the differential's end: the differential shortens the chain
    expect(names(planRestore(all, { endsWith: log2[0].url }))).toEqual(['full2', 'diff2', 'log2']);
    // the first log after a full starts before the full's end (at the start of the log chain)
    const full3 = backup('full', 5000n, 5200n, { name: 'full3' });
    const first = backup('log', 4000n, 5600n, { name: 'first-log' });
    expect(names(planRestore([...full3, ...first], { endsWith: first[0].url }))).toEqual(['full3', 'first-log']);
    // log2 spans the differential's end, so it continues the chain after it
    expect(names(planRestore(all, { endsWith: log3[0].url }))).toEqual(['full2', 'diff2', 'log2', 'log3']);
  });

  test('a differential restores its own full and itself', () => {
    expect(names(planRestore(all, { endsWith: diff2[0].url }))).toEqual(['full2', 'diff2']);
    const orphan = backup('diff', 9000n, 9100n, { name: 'orphan', differentialBaseLsn: 8000n });
    expect(planRestore([...all, ...orphan], { endsWith: orphan[0].url })).toMatchObject({ ok: false, problem: { code: 'NO_FULL_BACKUP' } });
  });

  test("a striped trigger waits for its own stripes, not for anyone else's", () => {
    expect(planRestore([full2[1], ...full1], { endsWith: full2[1].url })).toMatchObject({ ok: false, problem: { code: 'STRIPES_MISSING', expected: 2, present: [2] } });
    const late = backup('full', 5000n, 5100n, { name: 'late', stripes: 3 });
    expect(names(planRestore([...all, late[0]], { endsWith: full1[0].url }))).toEqual(['full1']);
  });

  test('a gap before the log that arrived is named', () => {
    const result = planRestore([...full2, ...log3], { endsWith: log3[0].url });
    expect(result).toMatchObject({ ok: false, problem: { code: 'LOG_CHAIN_GAP', fromLsn: '2600', toLsn: '3500' } });
  });
});

describe('the backup a striped blob belongs to', () => {
  const PATTERN = '{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak';

  test('stripes of one backup share a key; another backup, or a single file, does not', () => {
    const a = backupSetKey(PATTERN, 'sql-onprem/Sales/FULL/Sales_20261122_0200_1of4.bak');
    expect(a).toBe(backupSetKey(PATTERN, 'sql-onprem/Sales/FULL/Sales_20261122_0200_3of4.bak'));
    expect(a).not.toBe(backupSetKey(PATTERN, 'sql-onprem/Sales/FULL/Sales_20261122_0300_3of4.bak'));
    expect(backupSetKey(PATTERN, 'sql-onprem/Sales/FULL/Sales_20261122_0200_1of1.bak')).toBeUndefined();
  });

  test('without a pattern the _NofM convention finds the stripes', () => {
    expect(conventionalStripePattern('adhoc/Sales_20261122_1500_1of3.bak')).toBe('adhoc/Sales_20261122_1500_{stripe}of{stripes}.bak');
    expect(backupSetKey(undefined, 'adhoc/x_2of3.bak')).toBe(backupSetKey(undefined, 'adhoc/x_3of3.bak'));
    expect(conventionalStripePattern('adhoc/Sales.bak')).toBeUndefined();
    expect(conventionalStripePattern('adhoc/{odd}_1of2.bak')).toBeUndefined();
  });
});
