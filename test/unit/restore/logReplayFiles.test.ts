import { lastBackupName, logReplayFolder, stagedFiles } from '../../../shared/restore/logReplayFiles';
import type { PlannedStep } from '../../../shared/restore/state';

const step = (kind: PlannedStep['kind'], ...urls: string[]): PlannedStep => ({ kind, urls, recovery: false, softwareVersionMajor: 16 });

test('each stripe of each backup gets a numbered name in restore order, with the extension the service reads', () => {
  const plan = [step('full', 'u/f1', 'u/f2'), step('differential', 'u/d'), step('log', 'u/l1'), step('log', 'u/l2.trn')];
  expect(stagedFiles(plan)).toEqual([
    { sourceUrl: 'u/f1', name: '001-full-1of2.bak' },
    { sourceUrl: 'u/f2', name: '001-full-2of2.bak' },
    { sourceUrl: 'u/d', name: '002-differential.diff' },
    { sourceUrl: 'u/l1', name: '003-log.log' },
    { sourceUrl: 'u/l2.trn', name: '004-log.log' },
  ]);
});

test('names sort in restore order even past 999 files', () => {
  const plan = [step('full', 'f'), ...Array.from({ length: 1200 }, (_, i) => step('log', `l${i}`))];
  const names = stagedFiles(plan).map((f) => f.name);
  expect(names[0]).toBe('0001-full.bak');
  expect([...names].sort()).toEqual(names);
});

test('the last backup is named by its first stripe', () => {
  expect(lastBackupName([step('full', 'f'), step('log', 'a', 'b')])).toBe('002-log-1of2.log');
  expect(lastBackupName([step('full', 'f')])).toBe('001-full.bak');
});

test('the folder is per operation, stable, and can never contain the word backup', () => {
  const folder = logReplayFolder('op-backup-123');
  expect(folder).toBe(logReplayFolder('op-backup-123'));
  expect(folder).not.toBe(logReplayFolder('op-backup-124'));
  expect(folder).toMatch(/^lrs-[0-9a-f]{24}$/);
});
