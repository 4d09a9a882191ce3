// A refresh end to end on the emulated estate, through the real clients: managed instance Sales ->
// SQL Server 2022 sql-dev, a copy-only backup to URL as a SQL Agent job, restored through the
// restore playbook into a staging name, sanitized (Always Encrypted columns reported, not masked),
// row counts against the source, swapped in with the old copy kept, and refusals before anything is
// touched (a production target, an old source, no room on the target, a script that is not there),
// scripts read from beside the estate, users whose logins are elsewhere re-mapped.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REFRESH_KIND, refreshTargetKey } from '../../../shared/refresh/input';
import { refreshInputFor } from '../../../shared/refresh/start';
import type { RefreshJob } from '../../../shared/config/schema';
import { startRestoreWorld, type RestoreWorld } from '../../helpers/restoreWorld';

jest.setTimeout(180_000);

const job = (over: Partial<RefreshJob> = {}): RefreshJob => ({
  name: 'sales-to-dev',
  enabled: true,
  schedule: '0 0 2 * * *',
  timeZone: 'UTC',
  source: { instance: 'mi-prod', database: 'Sales' },
  target: { instance: 'sql-dev', database: 'Sales_dev' },
  container: 'backups',
  onExisting: 'swap',
  sanitizeScripts: ["UPDATE dbo.Customers SET Email = CONCAT('user', CustomerId, '@example.invalid')\nGO\nSELECT COUNT(*) FROM dbo.Orders"],
  keepPreviousCopies: 1,
  rowCountTolerancePercent: 0,
  sessionGraceSeconds: 2,
  keepBackupsHours: 24,
  notify: [],
  ...over,
});

const STAMP = String.raw`\d{8}T\d{9}Z`;

describe('refresh managed instance -> SQL Server 2022', () => {
  let w: RestoreWorld;
  // the estate's folder: sanitizing scripts given by path are read from here
  const estateFolder = mkdtempSync(path.join(tmpdir(), 'refresh-estate-'));
  beforeAll(async () => {
    w = await startRestoreWorld({
      arm: true,
      refresh: true,
      estateFolder,
      emulated: (e) => {
        const mi = e.instances.find((i) => i.name === 'mi-prod');
        // the application's login exists on both sides (each with its own SID); the reporting login only in production
        if (mi) mi.logins = [...(mi.logins ?? []), { name: 'sales_app', password: 'Local-Only-Test-Password-1' }, { name: 'sales_reporting', password: 'Local-Only-Test-Password-1' }];
        mi?.databases?.push({ name: 'Sales', recoveryModel: 'FULL', sizeMB: 256, tables: [{ schema: 'dbo', name: 'Customers', rows: 1200, encryptedColumns: ['TaxId'] }, { schema: 'dbo', name: 'Orders', rows: 5000 }], users: [{ name: 'sales_app' }, { name: 'sales_reporting' }] });
        // a non-production managed instance for the point-in-time path; the source's first automated full backup is a day old
        e.instances.push({ name: 'mi-dev', kind: 'managedInstance', updatePolicy: 'SQL Server 2022', throughputMBps: 400, freeSpaceGB: 2048, logins: mi?.logins ?? [], databases: [{ name: 'Sales_dev', recoveryModel: 'FULL', sizeMB: 64, tables: [{ schema: 'dbo', name: 'Customers', rows: 10 }] }] } as (typeof e.instances)[number]);
        const sales = mi?.databases?.find((d) => d.name === 'Sales');
        if (sales) (sales as { automatedFullBackupAt?: string }).automatedFullBackupAt = new Date(Date.now() - 24 * 3600_000).toISOString();
        const dev = e.instances.find((i) => i.name === 'sql-dev');
        dev?.databases?.push({ name: 'Sales_dev', recoveryModel: 'SIMPLE', sizeMB: 64, tables: [{ schema: 'dbo', name: 'Customers', rows: 10 }] });
        if (dev) dev.logins = [...(dev.logins ?? []), { name: 'sales_app', password: 'Local-Only-Test-Password-1' }];
        // a non-production SQL Server with 100 MB free: no room for a copy of the 256-MB Sales
        e.instances.push({ ...(dev as (typeof e.instances)[number]), name: 'sql-tiny', port: 0, freeSpaceGB: 0.1, databases: [{ name: 'Sales_dev', recoveryModel: 'SIMPLE', sizeMB: 8, tables: [{ schema: 'dbo', name: 'Customers', rows: 10 }] }] });
      },
    });
  });
  afterAll(async () => {
    await w?.stop();
    rmSync(estateFolder, { recursive: true, force: true });
  });

  async function run(j: RefreshJob, at = new Date()) {
    const input = refreshInputFor(j, `manual:${at.toISOString()}`, 'test');
    const r = await w.engine.start({ kind: REFRESH_KIND, targetKey: refreshTargetKey(input), input, createdBy: 'test' });
    await w.drainUntil(() => w.settled(r.operation.id), 150_000);
    return w.engine.get(r.operation.id);
  }

  it('puts a sanitized, validated copy in place and keeps the previous one', async () => {
    const op = await run(job());
    expect(op?.error).toBeUndefined();
    expect(op?.state).toBe('succeeded');
    const out = op?.output as { phases: Array<{ name: string; seconds?: number }>; notMasked: string[]; validation: { tables: number; differences: string[] }; previousCopy: string; backup: string[]; users: { remapped: string[]; orphaned: string[]; failed: string[] } };
    expect(out.phases.map((p) => p.name)).toEqual(['backup', 'restore', 'sanitize', 'validate', 'users', 'swap', 'retain']);
    expect(out.notMasked.join('\n')).toMatch(/dbo\.Customers\.TaxId: Always Encrypted/);
    expect(out.validation).toEqual({ tables: 2, differences: [] });
    expect(out.backup[0]).toMatch(new RegExp(String.raw`/mi-autopilot/refresh/sales-to-dev/${STAMP}/Sales_${STAMP}_1of1\.bak$`));
    // sales_app came with production's SID and was re-mapped to sql-dev's login; sales_reporting has no login here
    expect(out.users).toEqual({ remapped: ['sales_app'], orphaned: ['sales_reporting'], failed: [] });
    const dev = await w.pool('sql-dev');
    const dbs = await dev.request().query<{ name: string }>("SELECT name FROM sys.databases WHERE name LIKE 'Sales_dev%' ORDER BY name");
    expect(dbs.recordset.map((d) => d.name)).toEqual(['Sales_dev', out.previousCopy]);
    const rows = await dev.request().query<{ n: number }>('SELECT COUNT(*) AS n FROM [Sales_dev].dbo.Orders');
    expect(rows.recordset[0].n).toBe(5000);
    const mapped = await dev.request().query<{ name: string; login: string | null }>(
      "SELECT dp.name, sp.name AS login FROM [Sales_dev].sys.database_principals AS dp LEFT JOIN sys.server_principals AS sp ON sp.sid = dp.sid WHERE dp.name IN (N'sales_app', N'sales_reporting') ORDER BY dp.name",
    );
    expect(mapped.recordset).toEqual([{ name: 'sales_app', login: 'sales_app' }, { name: 'sales_reporting', login: null }]);
  });

  it('a second run keeps one previous copy and drops the older', async () => {
    const op = await run(job(), new Date(Date.now() + 2000));
    expect(op?.error).toBeUndefined();
    const dev = await w.pool('sql-dev');
    const dbs = await dev.request().query<{ name: string }>("SELECT name FROM sys.databases WHERE name LIKE 'Sales_dev_old_%'");
    expect(dbs.recordset).toHaveLength(1);
    expect((op?.output as { dropped: string[] }).dropped).toHaveLength(1);
  });

  it('the backups are kept keepBackupsHours, then retention deletes them, and nothing else in the container', async () => {
    const { purgeRefreshBackups } = await import('../../../shared/refresh/retention');
    const { BackupContainer } = await import('../../../shared/storage/backupContainer');
    const backups = w.service.getContainerClient('backups');
    const names = async (prefix: string) => {
      const out: string[] = [];
      for await (const b of backups.listBlobsFlat({ prefix })) out.push(b.name);
      return out;
    };
    const refreshBackups = await names('mi-autopilot/refresh/sales-to-dev/');
    // one backup blob per run so far (two runs)
    expect(refreshBackups).toHaveLength(2);
    await backups.getBlockBlobClient('mi-prod/Sales/FULL/users-own.bak').upload('x', 1);
    const estate = { ...w.estate, refreshJobs: [job()] };
    const containerOf = (config: (typeof estate.backupContainers)[number]) => BackupContainer.fromConfig(config, { AzureWebJobsStorage: w.azurite.connectionString }, () => {
      throw new Error('no Entra identity in tests');
    });
    const hours = (h: number) => new Date(Date.now() + h * 3600_000);
    expect(await purgeRefreshBackups(estate, containerOf, hours(23), 100)).toBe(0);
    expect(await names('mi-autopilot/refresh/sales-to-dev/')).toEqual(refreshBackups);
    expect(await purgeRefreshBackups(estate, containerOf, hours(25), 100)).toBe(2);
    expect(await names('mi-autopilot/refresh/sales-to-dev/')).toEqual([]);
    expect(await names('mi-prod/Sales/FULL/')).toEqual(['mi-prod/Sales/FULL/users-own.bak']);
  });

  async function liveCopy(): Promise<{ names: string[]; orders?: number }> {
    const dev = await w.pool('sql-dev');
    const names = (await dev.request().query<{ name: string }>("SELECT name FROM sys.databases WHERE name LIKE 'Sales_dev%' ORDER BY name")).recordset.map((d) => d.name);
    const orders = (await dev.request().query<{ n: number }>('SELECT COUNT(*) AS n FROM [Sales_dev].dbo.Orders')).recordset[0]?.n;
    return { names, orders };
  }

  async function admin(method: string, path: string, body?: unknown): Promise<number> {
    const res = await fetch(`${w.emulator.adminUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    await res.text();
    return res.status;
  }

  it('a restore that fails at 50 %: the live copy stays online and untouched, the staging copy is gone', async () => {
    const before = await liveCopy();
    expect(await admin('POST', '/instances/sql-dev/faults', { kind: 'restoreFailAtPercent', percent: 50 })).toBeLessThan(300);
    try {
      const op = await run(job(), new Date(Date.now() + 10_000));
      expect(op?.state).toBe('failed');
      expect(op?.error?.code).toBe('RESTORE_FAILED');
      expect(op?.error?.message).toMatch(/Sales_dev on sql-dev is ONLINE and was not changed/);
    } finally {
      await admin('DELETE', '/instances/sql-dev/faults');
    }
    expect(await liveCopy()).toEqual(before);
  });

  it('a cancel while sanitizing: the live copy stays, the staging copy is dropped', async () => {
    const before = await liveCopy();
    // a script that runs long enough to be cancelled in the middle
    const slow = job({ sanitizeScripts: ["WAITFOR DELAY '00:00:05'\nGO\nUPDATE dbo.Customers SET Email = NULL"] });
    const at = new Date(Date.now() + 12_000);
    const input = refreshInputFor(slow, `manual:${at.toISOString()}`, 'test');
    const r = await w.engine.start({ kind: REFRESH_KIND, targetKey: refreshTargetKey(input), input, createdBy: 'test' });
    await w.drainUntil(async () => (await w.engine.get(r.operation.id))?.step === 'sanitize', 120_000);
    await w.engine.cancel(r.operation.id, 'ana', 'wrong data set');
    await w.drainUntil(() => w.settled(r.operation.id), 60_000);
    const op = await w.engine.get(r.operation.id);
    expect(op?.state).toBe('cancelled');
    expect(op?.error?.message).toMatch(new RegExp(`staging copy Sales_dev_refresh_${STAMP} was dropped`));
    expect(await liveCopy()).toEqual(before);
  });

  it('a session on the live copy is ended only after the grace period, then the swap completes', async () => {
    // a user whose connection sits in the live copy
    const { openPool } = await import('../../helpers/emulatorPool');
    const user = await openPool(w.emulator.find('sql-dev'), { database: 'Sales_dev' });
    await user.request().query('SELECT 1');
    const started = Date.now();
    const op = await run(job({ sessionGraceSeconds: 4 }), new Date(Date.now() + 14_000));
    expect(op?.error).toBeUndefined();
    const swap = (op?.output as { phases: Array<{ name: string; seconds?: number }> }).phases.find((p) => p.name === 'swap');
    expect(swap?.seconds).toBeGreaterThanOrEqual(3.5);
    expect(Date.now() - started).toBeGreaterThan(4_000);
    // the grace was given, then the session was ended (ROLLBACK IMMEDIATE): nobody is left in the old copy
    const old = (op?.output as { previousCopy: string }).previousCopy;
    const dev = await w.pool('sql-dev');
    const left = await dev.request().query<{ n: number }>(`SELECT COUNT(*) AS n FROM sys.dm_exec_sessions WHERE database_id = DB_ID(N'${old}')`);
    expect(left.recordset[0].n).toBe(0);
    await user.close().catch(() => undefined);
  });

  it('managed instance -> managed instance: a point-in-time restore into the staging name, no backup, then the same sanitize, validate and swap', async () => {
    const op = await run(job({ name: 'mi-to-mi', target: { instance: 'mi-dev', database: 'Sales_dev' } }), new Date(Date.now() + 16_000));
    expect(op?.error).toBeUndefined();
    const out = op?.output as { phases: Array<{ name: string }>; backup?: string[]; pointInTime?: string; validation: { differences: string[] }; previousCopy: string };
    expect(out.phases.map((p) => p.name)).toEqual(['restore', 'sanitize', 'validate', 'users', 'swap', 'retain']);
    expect(out.backup).toBeUndefined();
    expect(new Date(out.pointInTime as string).getTime()).toBeLessThan(Date.now());
    expect(out.validation.differences).toEqual([]);
    const mi = await w.pool('mi-dev');
    const dbs = await mi.request().query<{ name: string }>("SELECT name FROM sys.databases WHERE name LIKE 'Sales_dev%' ORDER BY name");
    expect(dbs.recordset.map((d) => d.name)).toEqual(['Sales_dev', out.previousCopy]);
    const rows = await mi.request().query<{ n: number }>('SELECT COUNT(*) AS n FROM [Sales_dev].dbo.Orders');
    expect(rows.recordset[0].n).toBe(5000);
  });

  it('refused before anything is touched: an Always-up-to-date source, a production target, a newer source', async () => {
    const before = await (await w.pool('sql-dev')).request().query<{ name: string }>('SELECT name FROM sys.databases ORDER BY name');
    const auto = await run(job({ name: 'auto', source: { instance: 'mi-auto', database: 'Ledger' } }), new Date(Date.now() + 4000));
    expect(auto?.error?.code).toBe('NOT_PORTABLE_UPDATE_POLICY');
    const prod = await run(job({ name: 'prod', target: { instance: 'sql-onprem', database: 'Sales' } }), new Date(Date.now() + 6000));
    expect(prod?.error?.code).toBe('TARGET_PROTECTED');
    const newer = await run(job({ name: 'newer', source: { instance: 'sql-onprem', database: 'Sales' }, target: { instance: 'sql-2019', database: 'Sales_2019' } }), new Date(Date.now() + 8000));
    expect(newer?.error?.code).toBe('BACKUP_NEWER_THAN_TARGET');
    expect(newer?.error?.message).toMatch(/sql-onprem runs SQL Server 16\.0; sql-2019 runs 15\.0/);
    const after = await (await w.pool('sql-dev')).request().query<{ name: string }>('SELECT name FROM sys.databases ORDER BY name');
    expect(after.recordset).toEqual(before.recordset);
  });

  it('a script given by path is read from beside the estate once, by the checks, and run from that text', async () => {
    const scriptFile = path.join(estateFolder, 'purge-orders.sql');
    writeFileSync(scriptFile, '-- dev and test need no orders\nDELETE FROM dbo.Orders\nGO\n');
    const j = job({ name: 'by-path', sanitizeScripts: [{ path: 'purge-orders.sql' }], rowCountTolerancePercent: 100 });
    const at = new Date(Date.now() + 18_000);
    const input = refreshInputFor(j, `manual:${at.toISOString()}`, 'test');
    const r = await w.engine.start({ kind: REFRESH_KIND, targetKey: refreshTargetKey(input), input, createdBy: 'test' });
    await w.drainUntil(async () => (await w.engine.get(r.operation.id))?.step !== 'check', 60_000);
    // changed after the checks read it: the run goes on with what was checked
    writeFileSync(scriptFile, 'SELECT 1\n');
    await w.drainUntil(() => w.settled(r.operation.id), 150_000);
    const op = await w.engine.get(r.operation.id);
    expect(op?.error).toBeUndefined();
    const out = op?.output as { sanitized: { from: string[]; messages: string[] } };
    expect(out.sanitized.from).toEqual([`script 1 (purge-orders.sql): file ${scriptFile}`]);
    const rows = await (await w.pool('sql-dev')).request().query<{ n: number }>('SELECT COUNT(*) AS n FROM [Sales_dev].dbo.Orders');
    expect(rows.recordset[0].n).toBe(0);
  });

  it('refused before anything is touched: a script that is not beside the estate, a target without room for the copy', async () => {
    const names = async (instance: string) => (await (await w.pool(instance)).request().query<{ name: string }>('SELECT name FROM sys.databases ORDER BY name')).recordset.map((d) => d.name);
    const before = await names('sql-dev');
    const missing = await run(job({ name: 'missing', sanitizeScripts: ['SELECT 1', { path: 'sanitize/not-there.sql' }] }), new Date(Date.now() + 20_000));
    expect(missing?.error?.code).toBe('SANITIZE_SCRIPT_NOT_FOUND');
    expect(missing?.error?.message).toMatch(/script 2 \(sanitize\/not-there\.sql\): there is no file .*\/sanitize\/not-there\.sql; nothing was touched/);
    expect(await names('sql-dev')).toEqual(before);

    const tinyBefore = await names('sql-tiny');
    const tiny = await run(job({ name: 'tiny', target: { instance: 'sql-tiny', database: 'Sales_dev' } }), new Date(Date.now() + 22_000));
    expect(tiny?.error?.code).toBe('NOT_ENOUGH_SPACE');
    expect(tiny?.error?.message).toMatch(/sql-tiny has 0\.\d\d GiB free on its volume where 0\.\d\d GiB must go: the staging copy .* is restored beside the live copy/);
    expect(await names('sql-tiny')).toEqual(tinyBefore);
    // nothing was backed up either
    const backups: string[] = [];
    for await (const b of w.service.getContainerClient('backups').listBlobsFlat({ prefix: 'mi-autopilot/refresh/tiny/' })) backups.push(b.name);
    expect(backups).toEqual([]);
  });
});
