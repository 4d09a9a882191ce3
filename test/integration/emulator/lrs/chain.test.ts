// LRS restores what is really in its folder: a full + differential + log chain uploaded out of
// order is restored in LSN order and recovered at the last log; a striped full waits for its last
// stripe; `.trn` files are ignored and undecodable files reported as unrestorable.
import { pause, startLrsWorld, stateOf, tableRows, type LrsWorld } from './lrsWorld';

jest.setTimeout(60_000);

let world: LrsWorld;

beforeAll(async () => {
  world = await startLrsWorld();
});

afterAll(async () => {
  await world?.stop();
});

describe('a full + differential + log chain', () => {
  it('uploaded out of order, is restored in LSN order with autoComplete and ends ONLINE as the source at the last log', async () => {
    const source = world.instance('sql-onprem');
    const sales = source.findDatabase('Sales')!;
    const setRows = (table: string, rows: number): void => {
      const t = sales.tables.find((x) => x.name === table);
      if (t) t.rowCount = rows;
      else sales.tables.push({ schema: 'dbo', name: table, rowCount: rows });
    };
    const [full] = await world.backup('sql-onprem', 'Sales', 'full');
    setRows('Orders', 1100);
    const [diff] = await world.backup('sql-onprem', 'Sales', 'diff');
    setRows('Orders', 1200);
    setRows('Refunds', 5);
    const [log1] = await world.backup('sql-onprem', 'Sales', 'log');
    setRows('Orders', 1300);
    const [log2] = await world.backup('sql-onprem', 'Sales', 'log');
    const finalLsn = sales.lastLogBackupLsn;

    // everything but the full first, newest first: nothing can be restored yet
    await world.place('Sales', 'Sales_log_0002.log', log2);
    await world.place('Sales', 'Sales_log_0001.log', log1);
    await world.place('Sales', 'Sales_diff_0001.diff', diff);
    // a .trn (even a valid log backup) and other files are not LRS's
    await world.place('Sales', 'Sales_log_0001.trn', log1);
    await world.place('Sales', 'readme.txt', Buffer.from('not a backup'));

    const started = await world.finish(await world.startLrs('SalesLrs', 'Sales', { lastBackupName: 'sales_LOG_0002.log' }));
    expect(started.error).toBeUndefined();
    expect(started.result).toMatchObject({ type: 'database', database: { name: 'SalesLrs', status: 'Restoring' } });
    expect(await stateOf(world, 'SalesLrs')).toBe('RESTORING');

    const waiting = await world.detailsUntil('SalesLrs', (d) => d.numberOfFilesDetected === 3);
    expect(waiting).toMatchObject({ type: 'LRSRestore', status: 'Restoring', percentCompleted: 0, numberOfFilesQueued: 3, numberOfFilesRestored: 0, numberOfFilesUnrestorable: 0 });
    expect(waiting.fullBackupSets).toEqual([]);
    expect(waiting.diffBackupSets).toEqual([expect.objectContaining({ status: 'Queued', firstStripeName: 'Sales_diff_0001.diff', numberOfStripes: 1 })]);
    expect(waiting.logBackupSets.map((s) => s.status)).toEqual(['Queued', 'Queued']);

    await world.place('Sales', 'Sales_full_0001.bak', full);
    const seen: number[] = [];
    const types = new Set<string>();
    const done = await world.detailsUntil('SalesLrs', (d) => {
      seen.push(d.percentCompleted ?? -1);
      if (d.currentBackupType && d.status === 'Restoring') types.add(d.currentBackupType);
      return d.status === 'Completed';
    });
    // progress only rises, passes through the middle, and is 100 only at the end
    expect(seen.every((p, i) => i === 0 || p >= seen[i - 1])).toBe(true);
    expect(seen.some((p) => p > 0 && p < 100)).toBe(true);
    expect(seen.slice(0, -1).every((p) => p < 100)).toBe(true);
    expect(types.has('Full')).toBe(true);
    expect(done).toMatchObject({
      status: 'Completed',
      percentCompleted: 100,
      lastRestoredFileName: 'Sales_log_0002.log',
      numberOfFilesDetected: 4,
      numberOfFilesRestored: 4,
      numberOfFilesQueued: 0,
      numberOfFilesRestoring: 0,
      numberOfFilesSkipped: 0,
      numberOfFilesUnrestorable: 0,
      unrestorableFiles: [],
    });
    expect(done.blockReason).toBeUndefined();
    expect(done.lastRestoredFileTime).toBeInstanceOf(Date);
    expect(done.fullBackupSets).toEqual([
      expect.objectContaining({ status: 'Restored', firstStripeName: 'Sales_full_0001.bak', numberOfStripes: 1, restoreStartedTimestampUtc: expect.any(Date), restoreFinishedTimestampUtc: expect.any(Date) }),
    ]);
    expect(done.fullBackupSets[0].backupSizeMB).toBeGreaterThan(500);
    expect(done.diffBackupSets.map((s) => s.status)).toEqual(['Restored']);
    expect(done.logBackupSets.map((s) => s.status)).toEqual(['Restored', 'Restored']);
    // the newest file LRS considers: the .trn and the .txt do not count
    expect(done.lastUploadedFileName).toBe('Sales_full_0001.bak');

    // in LSN order: full, differential, then the two logs
    const history = await world.query<{ restore_type: string }>('mi-prod', `SELECT restore_type FROM msdb.dbo.restorehistory WHERE destination_database_name = N'SalesLrs' ORDER BY restore_history_id`);
    expect(history.map((h) => h.restore_type)).toEqual(['D', 'I', 'L', 'L']);

    expect(await stateOf(world, 'SalesLrs')).toBe('ONLINE');
    expect(await world.client.getManagedDatabase('rg-lrs', 'mi-prod', 'SalesLrs')).toMatchObject({ status: 'Online' });
    expect(await tableRows(world, 'mi-prod', 'SalesLrs')).toEqual({ Customers: 2500, Orders: 1300, Refunds: 5 });
    const restored = world.mi.findDatabase('SalesLrs')!;
    expect(restored.lastLsn).toBe(finalLsn);
    expect(restored.familyGuid).toBe(sales.familyGuid);
    expect(restored.restoreChain).toBeUndefined();
    // MI placed the files itself
    expect(restored.files.every((f) => f.physicalName.startsWith(world.mi.config.defaultDataPath))).toBe(true);
  });
});

describe('stripes and files LRS cannot use', () => {
  it('a striped full waits for its second stripe; an undecodable file is unrestorable and does not stop the restore', async () => {
    const [stripe1, stripe2] = await world.backup('sql-onprem', 'Ledger', 'full', 2);
    await world.place('Ledger', 'Ledger_full_1of2.bak', stripe1);
    await world.place('Ledger', 'Ledger_broken.log', Buffer.from('MIAEBAK1 this is not a backup'));
    await world.finish(await world.startLrs('LedgerLrs', 'Ledger', { lastBackupName: 'Ledger_full_2of2.bak' }));

    const waiting = await world.detailsUntil('LedgerLrs', (d) => d.numberOfFilesDetected === 2);
    // a few scans later it is still waiting for the stripe
    await pause(300);
    const still = await world.details('LedgerLrs');
    for (const d of [waiting, still]) {
      expect(d).toMatchObject({ status: 'Restoring', numberOfFilesQueued: 1, numberOfFilesRestored: 0, numberOfFilesUnrestorable: 1, unrestorableFiles: ['Ledger_broken.log'] });
      expect(d.fullBackupSets).toEqual([expect.objectContaining({ status: 'Queued', numberOfStripes: 2, firstStripeName: 'Ledger_full_1of2.bak' })]);
    }
    expect(await stateOf(world, 'LedgerLrs')).toBe('RESTORING');
    expect(world.mi.findDatabase('LedgerLrs')?.tables).toEqual([]);

    await world.place('Ledger', 'Ledger_full_2of2.bak', stripe2);
    const done = await world.detailsUntil('LedgerLrs', (d) => d.status === 'Completed');
    expect(done).toMatchObject({ numberOfFilesDetected: 3, numberOfFilesRestored: 2, numberOfFilesUnrestorable: 1, lastRestoredFileName: 'Ledger_full_2of2.bak', percentCompleted: 100 });
    expect(done.fullBackupSets).toEqual([expect.objectContaining({ status: 'Restored', numberOfStripes: 2, firstStripeName: 'Ledger_full_1of2.bak' })]);
    expect(await tableRows(world, 'mi-prod', 'LedgerLrs')).toEqual({ Customers: 2500, Orders: 1000 });
    const history = await world.query<{ n: number }>('mi-prod', `SELECT COUNT(*) AS n FROM msdb.dbo.restorehistory WHERE destination_database_name = N'LedgerLrs'`);
    expect(history[0].n).toBe(1);
  });

  it('ignores .trn files entirely: a chain whose log is only there as .trn never gets it', async () => {
    const [full] = await world.backup('sql-onprem', 'Stock', 'full');
    const [log] = await world.backup('sql-onprem', 'Stock', 'log');
    await world.place('Stock', 'Stock_full.bak', full);
    await world.place('Stock', 'Stock_log.TRN', log);
    await world.finish(await world.startLrs('StockLrs', 'Stock', { lastBackupName: 'Stock_log.trn' }));
    const d = await world.detailsUntil('StockLrs', (x) => x.numberOfFilesRestored === 1);
    await pause(300);
    expect(await world.details('StockLrs')).toMatchObject({ status: 'Restoring', numberOfFilesDetected: 1, numberOfFilesRestored: 1, lastUploadedFileName: 'Stock_full.bak' });
    expect(d.logBackupSets).toEqual([]);
    // the same log under a name LRS considers is picked up by the next scan
    await world.place('Stock', 'Stock_log.trn.log', log);
    await world.finish(await world.client.startCompleteRestore('rg-lrs', 'mi-prod', 'StockLrs', 'Stock_log.trn.log'));
    expect(await world.details('StockLrs')).toMatchObject({ status: 'Completed', numberOfFilesDetected: 2, numberOfFilesRestored: 2, lastRestoredFileName: 'Stock_log.trn.log' });
  });
});
