// Auto-restore acceptance: stripes, duplicates, chains, swap and retention, a crashed worker,
// every pre-check failure, and hostile blob names, on the emulated estate with real clients.
import { OperationWorker, SimulatedCrash } from '../../../shared/ops/worker';
import { RestoreWorld, startRestoreWorld } from '../../helpers/restoreWorld';

let world: RestoreWorld;

beforeAll(async () => {
  world = await startRestoreWorld({
    configure: (e) => {
      e.restoreRules.push(
        { name: 'to-dev-fail', container: 'backups', pathPattern: 'strict/{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak', target: { instance: 'sql-dev', database: '{database}_strict' }, onExisting: 'fail', verify: 'none' },
        { name: 'to-2019', container: 'backups', pathPattern: 'old/{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak', target: { instance: 'sql-2019', database: '{database}' }, onExisting: 'fail', verify: 'none' },
        { name: 'to-mi', container: 'backups', pathPattern: 'mi/{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak', target: { instance: 'mi-prod', database: '{database}_copy' }, onExisting: 'fail', verify: 'none' },
      );
    },
  });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

async function databases(instance: string): Promise<string[]> {
  const p = await world.pool(instance);
  const r = await p.request().query('SELECT name FROM sys.databases WHERE database_id > 4 ORDER BY name');
  return r.recordset.map((x: { name: string }) => x.name);
}

async function restoresOf(instance: string, database: string): Promise<number> {
  const p = await world.pool(instance);
  // swap restores under a staging name (<db>_restoring_<id>) and renames afterwards
  const r = await p.request().input('db', database).input('staging', `${database}_restoring_%`).query('SELECT COUNT(*) AS n FROM msdb.dbo.restorehistory WHERE destination_database_name = @db OR destination_database_name LIKE @staging');
  return Number(r.recordset[0].n);
}

const started = (o: Awaited<ReturnType<RestoreWorld['deliver']>>): string => {
  if (o.outcome === 'ignored') throw new Error(`event ignored: ${o.message}`);
  return o.operationId;
};

test('a 4-stripe backup uploaded in random order restores once, only after the last stripe', async () => {
  const paths = await world.backup('Sales', { kind: 'full', stripes: 4, timestamp: '20261122_0200' });
  const order = [paths[2], paths[0], paths[3], paths[1]];
  const ops: string[] = [];
  for (const [i, path] of order.entries()) {
    ops.push(started(await world.deliver(await world.upload(path))));
    if (i < order.length - 1) {
      await world.pump.pumpOnce();
      await world.pump.pumpOnce();
      expect(await databases('sql-dev')).not.toContain('Sales_dev');
      // the first operation holds the target and waits, naming what is missing
      const waiting = await world.engine.get(ops[0]);
      expect(waiting?.state).toBe('waiting');
      expect(waiting?.waitReason).toMatch(/^waiting for stripes: backup .* is striped over 4 files; missing stripes? [\d, ]+$/);
    }
  }
  // one operation per backup: the other stripes' events are signals on it, not operations of their own
  expect(new Set(ops).size).toBe(1);
  await world.drainUntil(() => world.settled(ops[0]));
  const op = await world.engine.get(ops[0]);
  expect(op?.state).toBe('succeeded');
  const output = op?.output as { files: { stripes: number }[]; backup: { kind: string; files: string[]; backupSetGuid: string } };
  expect(output.files).toEqual([expect.objectContaining({ kind: 'full', stripes: 4 })]);
  expect(output.backup).toMatchObject({ kind: 'full', files: [...paths].sort(), backupSetGuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  const signals = await world.engine.signals(ops[0]);
  expect(signals.count).toBe(3);
  expect(signals.recent.map((s) => s.note)).toEqual(order.slice(1).map((p) => expect.stringContaining(`BlobCreated ${p}`)));
  expect(await restoresOf('sql-dev', 'Sales_dev')).toBe(1);
});

test('one event delivered three times restores once', async () => {
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_0300' });
  const before = await restoresOf('sql-dev', 'Sales_dev');
  const event = await world.upload(path);
  const outcomes = [await world.deliver(event), await world.deliver(event), await world.deliver(event)];
  expect(outcomes.map((o) => o.outcome)).toEqual(['started', 'duplicate', 'duplicate']);
  const id = started(outcomes[0]);
  await world.drainUntil(() => world.settled(id));
  expect((await world.engine.get(id))?.state).toBe('succeeded');
  expect(await restoresOf('sql-dev', 'Sales_dev')).toBe(before + 1);
  expect(await world.engine.duplicateCount(id)).toBe(2);
});

test('swap keeps the old copy renamed and drops copies beyond the retention', async () => {
  const names = (await databases('sql-dev')).filter((n) => n.startsWith('Sales_dev_old_'));
  expect(names.length).toBeLessThanOrEqual(1); // keepPreviousCopies: 1 after the restores above
  expect(await databases('sql-dev')).toContain('Sales_dev');
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_0400' });
  world.clock.offsetMs += 2000; // a distinct timestamp for the old copy's name
  const id = started(await world.deliver(await world.upload(path)));
  await world.drainUntil(() => world.settled(id));
  const op = await world.engine.get(id);
  expect(op?.state).toBe('succeeded');
  const output = op?.output as { previousCopy: string; droppedCopies: string[] };
  expect(output.previousCopy).toMatch(/^Sales_dev_old_\d{14}$/);
  const after = await databases('sql-dev');
  expect(after.filter((n) => n.startsWith('Sales_dev_old_'))).toEqual([output.previousCopy]);
  expect(output.droppedCopies.every((d) => !after.includes(d))).toBe(true);
});

test('a full + differential + 3 log chain uploaded out of order restores in LSN order', async () => {
  const full = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_0500' });
  await new Promise((r) => setTimeout(r, 300)); // the workload advances the log between backups
  const diff = await world.backup('Sales', { kind: 'diff', stripes: 1, timestamp: '20261122_0510' });
  const logs = [];
  for (const t of ['0520', '0530', '0540']) {
    await new Promise((r) => setTimeout(r, 200));
    logs.push(...(await world.backup('Sales', { kind: 'log', stripes: 1, timestamp: `20261122_${t}` })));
  }
  const events = [];
  for (const path of [logs[2], diff[0], logs[0], full[0], logs[1]]) events.push(await world.upload(path));
  const ops: string[] = [];
  for (const e of events) ops.push(started(await world.deliver(e)));
  await world.drainUntil(() => world.settled(...ops), 90_000);
  const results = await Promise.all(ops.map((id) => world.engine.get(id)));
  expect(results.map((r) => r?.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
  const restoring = results.filter((r) => !(r?.output as { skipped?: boolean }).skipped);
  expect(restoring).toHaveLength(1);
  const files = (restoring[0]?.output as { files: { kind: string; first: string }[] }).files;
  expect(files.map((f) => f.kind)).toEqual(['full', 'differential', 'log', 'log', 'log']);
  expect(files.map((f) => f.first.split('/').pop())).toEqual([full[0], diff[0], ...logs].map((p) => p.split('/').pop()));
  // the files' headers and the plan live beside the operation: its record stays small however many
  // backups the container holds (an Azure table property holds 64 KiB)
  expect(JSON.stringify(restoring[0]?.stepState).length).toBeLessThan(2000);
});

test('a worker killed mid-restore is re-delivered and finishes; the server-side restore ran once', async () => {
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_0600' });
  const before = await restoresOf('sql-dev', 'Sales_dev');
  const id = started(await world.deliver(await world.upload(path)));
  const doomed = new OperationWorker(world.engine.ctx);
  doomed.afterStepHook = (current) => {
    if (current.step === 'startRestore') throw new SimulatedCrash('killed while the Agent job runs');
  };
  // this worker carries the operation (through VERIFYONLY's polls) until it dies right after starting the RESTORE
  let crashed = false;
  for (let i = 0; i < 200 && !crashed; i++) {
    const current = await world.engine.get(id);
    try {
      await doomed.process({ operationId: id, token: current?.messageToken ?? '' });
    } catch (err) {
      if (!(err instanceof SimulatedCrash)) throw err;
      crashed = true;
    }
    if (!crashed) await new Promise((r) => setTimeout(r, 100));
  }
  expect(crashed).toBe(true);
  expect((await world.engine.get(id))?.step).toBe('startRestore');
  await world.drainUntil(() => world.settled(id), 90_000);
  expect((await world.engine.get(id))?.state).toBe('succeeded');
  expect(await restoresOf('sql-dev', 'Sales_dev')).toBe(before + 1);
});

describe('pre-checks stop with a code and leave the existing database untouched', () => {
  test('target exists and the rule says fail', async () => {
    const p = await world.pool('sql-dev');
    await p.request().batch('CREATE DATABASE [Sales_strict]');
    const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_0700' });
    const event = await world.upload(path, `strict/${path}`);
    const id = started(await world.deliver(event));
    await world.drainUntil(() => world.settled(id));
    const op = await world.engine.get(id);
    expect(op?.state).toBe('failed');
    expect(op?.error?.code).toBe('TARGET_EXISTS');
    expect(op?.error?.message).toMatch(/database Sales_strict already exists on sql-dev and rule to-dev-fail says onExisting: fail; nothing was changed/);
    const tables = await p.request().batch('USE [Sales_strict]; SELECT COUNT(*) AS n FROM sys.tables');
    expect(tables.recordset[0].n).toBe(0);
  });

  test('a backup newer than the target', async () => {
    const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_0800' });
    const id = started(await world.deliver(await world.upload(path, `old/${path}`)));
    await world.drainUntil(() => world.settled(id));
    const op = await world.engine.get(id);
    expect(op?.error?.code).toBe('BACKUP_NEWER_THAN_TARGET');
    expect(op?.error?.message).toMatch(/SQL Server 2022 \(16\.0\).*sql-2019 runs SQL Server 2019 \(15\.0\)|newer/);
    expect(await databases('sql-2019')).not.toContain('Sales');
  });

  test('missing stripes past the timeout', async () => {
    const paths = await world.backup('Sales', { kind: 'full', stripes: 3, timestamp: '20261122_0900' });
    const id = started(await world.deliver(await world.upload(paths[0])));
    await world.upload(paths[2]);
    await world.pump.pumpOnce();
    world.clock.offsetMs += 10 * 60_000; // past stripeTimeoutMinutes (5)
    await world.drainUntil(() => world.settled(id));
    world.clock.offsetMs = 0;
    const op = await world.engine.get(id);
    expect(op?.error?.code).toBe('STRIPES_MISSING');
    expect(op?.error?.message).toMatch(/missing stripe 2 after waiting 5 minutes; nothing was restored/);
  });

  test('not enough space on the target', async () => {
    await fetch(`${world.emulator.adminUrl}/instances/sql-dev/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'diskFull' }) });
    try {
      const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_1000' });
      const rowsBefore = await databases('sql-dev');
      const id = started(await world.deliver(await world.upload(path)));
      await world.drainUntil(() => world.settled(id));
      const op = await world.engine.get(id);
      expect(op?.error?.code).toBe('NOT_ENOUGH_SPACE');
      expect(op?.error?.message).toMatch(/the existing Sales_dev on sql-dev was not changed/);
      expect(await databases('sql-dev')).toEqual(rowsBefore);
    } finally {
      await fetch(`${world.emulator.adminUrl}/instances/sql-dev/faults`, { method: 'DELETE' });
    }
  });
});

test('a blob name carrying T-SQL metacharacters restores under a correctly quoted name and runs nothing else', async () => {
  const hostile = "x']; DROP DATABASE [Sales_dev] --";
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_1100' });
  const renamed = `sql-onprem/${hostile}/FULL/${hostile}_20261122_1100_1of1.bak`;
  const id = started(await world.deliver(await world.upload(path, renamed)));
  await world.drainUntil(() => world.settled(id));
  const op = await world.engine.get(id);
  expect(op?.error).toBeUndefined();
  const after = await databases('sql-dev');
  expect(after).toContain(`${hostile}_dev`);
  expect(after).toContain('Sales_dev'); // the "injected" DROP never ran
});

test('a managed instance target restores a full backup without WITH options', async () => {
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_1200' });
  const id = started(await world.deliver(await world.upload(path, `mi/${path}`)));
  await world.drainUntil(() => world.settled(id), 90_000);
  const op = await world.engine.get(id);
  expect(op?.error).toBeUndefined();
  expect(await databases('mi-prod')).toContain('Sales_copy');
});

test('a chain onto a managed instance without ARM access ends CHAIN_NEEDS_LOG_REPLAY before anything is touched; the full steps aside for it', async () => {
  const paths = await world.backup('Payroll', { kind: 'full', stripes: 1, timestamp: '20261205_1300' });
  await new Promise((r) => setTimeout(r, 200));
  paths.push(...(await world.backup('Payroll', { kind: 'log', stripes: 1, timestamp: '20261205_1310' })));
  const ids: string[] = [];
  for (const p of paths) ids.push(started(await world.deliver(await world.upload(p, `mi/${p}`))));
  await world.drainUntil(() => world.settled(...ids), 90_000);
  const ops = await Promise.all(ids.map((id) => world.engine.get(id)));
  // the log's restore is the chain (full + log): refused before anything is touched
  expect(ops[1]?.error?.code).toBe('CHAIN_NEEDS_LOG_REPLAY');
  expect(ops[1]?.error?.message).toMatch(/only through the Log Replay Service, which the app reaches through ARM, and this app has no ARM access .*; nothing was changed$/);
  // the full's restore stepped aside: the log in the container is newer, and its restore includes the full
  expect(ops[0]).toMatchObject({ state: 'succeeded', output: { skipped: true, superseded: true } });
  expect((ops[0]?.output as { reason: string }).reason).toMatch(/^superseded: the container holds a newer backup of the same chain, mi\/sql-onprem\/Payroll\/LOG\/\S+, whose own restore includes mi\/sql-onprem\/Payroll\/FULL\/\S+, so the chain is restored once/);
  expect(await databases('mi-prod')).not.toContain('Payroll_copy');
});

test('cancelling a running restore stops its Agent job, drops the staging copy and leaves the existing database as it was', async () => {
  const devInstance = world.emulator.find('sql-dev').instance;
  const throughput = devInstance.config.throughputMBps;
  devInstance.config.throughputMBps = 10; // 400 MB: the restore runs for about 40 s
  try {
    const p = await world.pool('sql-dev');
    const existing = (await p.request().query("SELECT name, create_date FROM sys.databases WHERE name = 'Sales_dev'")).recordset;
    expect(existing).toHaveLength(1);
    const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261205_1400' });
    const id = started(await world.deliver(await world.upload(path)));
    await world.drainUntil(async () => (await world.engine.get(id))?.step === 'watch', 60_000);
    const running = await p.request().query("SELECT COUNT(*) AS n FROM sys.dm_exec_requests WHERE command LIKE 'RESTORE%'");
    expect(running.recordset[0].n).toBe(1);

    await world.engine.cancel(id, 'dba@contoso', 'wrong backup');
    await world.drainUntil(() => world.settled(id), 60_000);
    const op = await world.engine.get(id);
    expect(op?.state).toBe('cancelled');
    expect(op?.error?.code).toBe('CANCELLED');
    expect(op?.error?.message).toMatch(/^cancelled by dba@contoso: wrong backup; the existing Sales_dev on sql-dev was not changed \(SQL Agent job 'mi-autopilot restore op-k-\w+ file 1' stopped, staging database Sales_dev_restoring_\w+ dropped\)$/);
    const after = await p.request().query("SELECT COUNT(*) AS n FROM sys.dm_exec_requests WHERE command LIKE 'RESTORE%'");
    expect(after.recordset[0].n).toBe(0);
    const jobs = await p.request().input('like', `%${id}%`).query('SELECT name FROM msdb.dbo.sysjobs WHERE name LIKE @like');
    expect(jobs.recordset).toEqual([]);
    expect((await p.request().query("SELECT name, create_date FROM sys.databases WHERE name LIKE 'Sales_dev%' AND name NOT LIKE 'Sales_dev_old_%'")).recordset).toEqual(existing);
  } finally {
    devInstance.config.throughputMBps = throughput;
  }
}, 120_000);
