// A source larger than one blob can hold (50,000 blocks of MAXTRANSFERSIZE): the refresh backs it up
// to enough stripes and restores them all. Simulated time runs 200x so the hour-long backup and
// restore of about 390 GiB take seconds.
import type { RefreshJob } from '../../../shared/config/schema';
import { REFRESH_KIND, refreshTargetKey } from '../../../shared/refresh/input';
import { refreshInputFor } from '../../../shared/refresh/start';
import { STRIPE_LIMIT_BYTES } from '../../../shared/refresh/backupPlan';
import { startRestoreWorld, type RestoreWorld } from '../../helpers/restoreWorld';

jest.setTimeout(240_000);

describe('a large source', () => {
  let w: RestoreWorld;
  beforeAll(async () => {
    w = await startRestoreWorld({
      arm: true,
      refresh: true,
      emulated: (e) => {
        e.clockSpeed = 200;
        const mi = e.instances.find((i) => i.name === 'mi-prod');
        mi?.databases?.push({ name: 'Big', recoveryModel: 'FULL', sizeMB: 400_000, tables: [{ schema: 'dbo', name: 'Facts', rows: 2_000_000 }] });
        const dev = e.instances.find((i) => i.name === 'sql-dev');
        if (dev) dev.freeSpaceGB = 1000;
      },
    });
  });
  afterAll(async () => w?.stop());

  it('is backed up to as many stripes as the block-blob limit needs, and restored from all of them', async () => {
    const job: RefreshJob = {
      name: 'big', enabled: true, schedule: '0 0 2 * * *', timeZone: 'UTC', source: { instance: 'mi-prod', database: 'Big' }, target: { instance: 'sql-dev', database: 'Big_dev' },
      container: 'backups', onExisting: 'swap', sanitizeScripts: [], keepPreviousCopies: 0, rowCountTolerancePercent: 0, sessionGraceSeconds: 0, keepBackupsHours: 24, notify: [],
    };
    const at = new Date();
    const input = refreshInputFor(job, `manual:${at.toISOString()}`, 'test');
    const r = await w.engine.start({ kind: REFRESH_KIND, targetKey: refreshTargetKey(input), input, createdBy: 'test' });
    await w.drainUntil(() => w.settled(r.operation.id), 200_000);
    const op = await w.engine.get(r.operation.id);
    expect(op?.error).toBeUndefined();
    const out = op?.output as { backup: string[] };
    const bytes = 400_000 * 1024 * 1024;
    expect(out.backup.length).toBeGreaterThanOrEqual(Math.ceil(bytes / STRIPE_LIMIT_BYTES));
    expect(out.backup.length).toBe(3);
    expect(out.backup.map((u) => u.replace(/.*_(\d+of\d+)\.bak$/, '$1'))).toEqual(['1of3', '2of3', '3of3']);
    const dev = await w.pool('sql-dev');
    const rows = await dev.request().query<{ n: number }>('SELECT COUNT(*) AS n FROM [Big_dev].dbo.Facts');
    expect(rows.recordset[0].n).toBe(2_000_000);
  });
});
