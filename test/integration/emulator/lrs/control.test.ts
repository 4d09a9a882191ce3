// Driving an LRS: continuous mode keeps restoring what arrives until completeRestore names the last
// file (whose operation stays InProgress until that file is restored), and DELETE of the database
// stops it at once, even in the middle of a restore.
import { pause, startLrsWorld, stateOf, tableRows, until, type LrsWorld } from './lrsWorld';

jest.setTimeout(60_000);

let world: LrsWorld;

beforeAll(async () => {
  world = await startLrsWorld();
});

afterAll(async () => {
  await world?.stop();
});

const RG = 'rg-lrs';

describe('continuous mode', () => {
  it('keeps restoring new logs until completeRestore, whose operation waits for the named file', async () => {
    const hr = world.instance('sql-onprem').findDatabase('Hr')!;
    const [full] = await world.backup('sql-onprem', 'Hr', 'full');
    const [log1] = await world.backup('sql-onprem', 'Hr', 'log');
    await world.place('Hr', 'Hr_full.bak', full);
    await world.place('Hr', 'Hr_log_1.log', log1);
    const started = await world.finish(await world.startLrs('HrLrs', 'Hr'));
    expect(started.result).toMatchObject({ type: 'database', database: { status: 'Restoring' } });
    await world.detailsUntil('HrLrs', (d) => d.numberOfFilesRestored === 2);
    // with nothing to complete it, it keeps scanning
    await pause(400);
    expect(await world.details('HrLrs')).toMatchObject({ status: 'Restoring', numberOfFilesRestored: 2, lastRestoredFileName: 'Hr_log_1.log', currentBackupType: 'Log' });
    expect(await stateOf(world, 'HrLrs')).toBe('RESTORING');

    hr.tables.find((t) => t.name === 'Orders')!.rowCount = 1111;
    const [log2] = await world.backup('sql-onprem', 'Hr', 'log');
    await world.place('Hr', 'Hr_log_2.log', log2);
    await world.detailsUntil('HrLrs', (d) => d.numberOfFilesRestored === 3);

    // the named file is not there yet: the operation stays InProgress
    hr.tables.find((t) => t.name === 'Orders')!.rowCount = 2222;
    const [log3] = await world.backup('sql-onprem', 'Hr', 'log');
    let poll = await world.client.pollOnce(await world.client.startCompleteRestore(RG, 'mi-prod', 'HrLrs', 'HR_LOG_3.log'));
    for (let i = 0; i < 10; i++) {
      await pause(40);
      poll = await world.client.pollOnce(poll.state);
      expect(poll.done).toBe(false);
    }
    expect((await world.details('HrLrs')).status).toBe('Restoring');
    await world.place('Hr', 'Hr_log_3.log', log3);
    const done = await world.finish(poll.state);
    expect(done.error).toBeUndefined();
    expect(await world.details('HrLrs')).toMatchObject({ status: 'Completed', percentCompleted: 100, numberOfFilesRestored: 4, lastRestoredFileName: 'Hr_log_3.log' });
    expect(await stateOf(world, 'HrLrs')).toBe('ONLINE');
    expect((await tableRows(world, 'mi-prod', 'HrLrs')).Orders).toBe(2222);
    expect(world.mi.findDatabase('HrLrs')?.lastLsn).toBe(hr.lastLogBackupLsn);
  });

  it('completes right away when completeRestore names a file already restored', async () => {
    const [full] = await world.backup('sql-onprem', 'Crm', 'full');
    await world.place('Crm', 'Crm_full.bak', full);
    await world.finish(await world.startLrs('CrmLrs', 'Crm'));
    await world.detailsUntil('CrmLrs', (d) => d.numberOfFilesRestored === 1);
    const state = await world.client.startCompleteRestore(RG, 'mi-prod', 'CrmLrs', 'Crm_full.bak');
    expect(await world.details('CrmLrs')).toMatchObject({ status: 'Completed', lastRestoredFileName: 'Crm_full.bak' });
    expect((await world.finish(state)).error).toBeUndefined();
    expect(await stateOf(world, 'CrmLrs')).toBe('ONLINE');
  });
});

describe('stopping', () => {
  it('DELETE of the database stops LRS in the middle of a restore and removes the database', async () => {
    const [full] = await world.backup('sql-onprem', 'Sales', 'full');
    const [log] = await world.backup('sql-onprem', 'Sales', 'log');
    await world.place('SalesStop', 'Sales_full.bak', full);
    await world.finish(await world.startLrs('SalesStop', 'SalesStop', { lastBackupName: 'Sales_log.log' }));
    // the full takes about 1.2 s (real) at the instance's throughput
    const restoring = await world.detailsUntil('SalesStop', (d) => d.numberOfFilesRestoring === 1);
    expect(restoring).toMatchObject({ status: 'Restoring', currentRestoringFileName: 'Sales_full.bak', currentBackupType: 'Full' });

    const del = await world.finish(await world.client.startDeleteManagedDatabase(RG, 'mi-prod', 'SalesStop'));
    expect(del.error).toBeUndefined();
    expect(await stateOf(world, 'SalesStop')).toBeUndefined();
    await expect(world.details('SalesStop')).rejects.toMatchObject({ statusCode: 404 });

    // longer than the restore would have taken, with the log there too: nothing comes back
    await world.place('SalesStop', 'Sales_log.log', log);
    await pause(1_800);
    expect(await stateOf(world, 'SalesStop')).toBeUndefined();
    expect(world.mi.restoreHistory.filter((h) => h.destinationDatabaseName === 'SalesStop')).toEqual([]);

    // a new LRS under the same name starts afresh and completes
    await world.finish(await world.startLrs('SalesStop', 'SalesStop', { lastBackupName: 'Sales_log.log' }));
    const done = await world.detailsUntil('SalesStop', (d) => d.status === 'Completed');
    expect(done).toMatchObject({ numberOfFilesRestored: 2, lastRestoredFileName: 'Sales_log.log' });
    await until('ONLINE', async () => ((await stateOf(world, 'SalesStop')) === 'ONLINE' ? true : undefined));
  });
});
