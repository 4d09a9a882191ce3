// How many stripes a refresh backup needs so that no blob passes the block-blob limit.
import { MAX_TRANSFER_SIZE, planBackup, STRIPE_LIMIT_BYTES } from '../../../shared/refresh/backupPlan';

const GiB = 1024 ** 3;

test('one stripe for a small database, with the options URL backups need', () => {
  const p = planBackup('managedInstance', 'Sales', 2 * GiB, 'refresh/nightly/', '20261206T020000Z');
  expect(p.stripes).toBe(1);
  expect(p.paths).toEqual(['refresh/nightly/Sales_20261206T020000Z_1of1.bak']);
  expect(p.options).toContain(`MAXTRANSFERSIZE = ${MAX_TRANSFER_SIZE}`);
  expect(p.options).toContain('BLOCKSIZE = 65536');
  expect(p.options).toMatch(/COPY_ONLY, COMPRESSION, CHECKSUM/);
});

test('no stripe is planned past 80 % of the block-blob limit (50,000 blocks of MAXTRANSFERSIZE)', () => {
  expect(STRIPE_LIMIT_BYTES).toBe(50_000 * 4 * 1024 * 1024);
  for (const size of [0, 1, 100 * GiB, 156 * GiB, 157 * GiB, 1000 * GiB, 4000 * GiB]) {
    const p = planBackup('sqlServer', 'Big', size, 'r', 's');
    expect(size / p.stripes).toBeLessThanOrEqual(STRIPE_LIMIT_BYTES * 0.8);
    expect(p.paths).toHaveLength(p.stripes);
    expect(p.paths[p.stripes - 1]).toMatch(new RegExp(`_${p.stripes}of${p.stripes}\\.bak$`));
  }
  expect(planBackup('sqlServer', 'Big', 1000 * GiB, 'r', 's').stripes).toBe(7);
});

test('a database too large for the instance\'s stripe limit is refused with the reason', () => {
  expect(() => planBackup('managedInstance', 'Huge', 6000 * GiB, 'r', 's')).toThrow(/needs 39 stripes .* more than the 32 a managed instance allows/);
  expect(planBackup('sqlServer', 'Huge', 6000 * GiB, 'r', 's').stripes).toBe(39);
});

test('names that are not safe in a blob path are made safe', () => {
  expect(planBackup('sqlServer', "Sales'; DROP", 1, 'r', 's').paths).toEqual(['r/Sales___DROP_s_1of1.bak']);
});
