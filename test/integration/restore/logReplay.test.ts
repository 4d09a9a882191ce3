// Differential and log chains onto a managed instance go through the Log Replay Service: the
// chain's files are staged in a folder of their own, the service restores them in LSN order and
// recovers the database, the staged copies are removed; a failure stops the service and leaves
// nothing behind. Real Azurite, the emulated estate over TDS, the ARM emulator over HTTPS.
import { RestoreWorld, startRestoreWorld } from '../../helpers/restoreWorld';

let world: RestoreWorld;

beforeAll(async () => {
  world = await startRestoreWorld({
    arm: true,
    configure: (e) => {
      e.restoreRules.push({
        name: 'to-mi',
        container: 'backups',
        pathPattern: 'mi/{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak',
        target: { instance: 'mi-prod', database: '{database}_copy' },
        onExisting: 'swap',
        keepPreviousCopies: 1,
        verify: 'none',
      });
    },
  });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query<T>(instance: string, text: string, params: Record<string, string> = {}): Promise<T[]> {
  const request = (await world.pool(instance)).request();
  for (const [k, v] of Object.entries(params)) request.input(k, v);
  return (await request.query(text)).recordset as T[];
}

const rowCounts = (instance: string, database: string) =>
  query<{ t: string; n: number }>(
    instance,
    `SELECT s.name + '.' + t.name AS t, SUM(p.rows) AS n FROM [${database}].sys.tables t JOIN [${database}].sys.schemas s ON s.schema_id = t.schema_id JOIN [${database}].sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1) GROUP BY s.name, t.name ORDER BY t`,
  );

const staged = async (): Promise<string[]> => {
  const names: string[] = [];
  const container = world.service.getContainerClient('mi-autopilot-lrs');
  if (!(await container.exists())) return names;
  for await (const b of container.listBlobsFlat()) names.push(b.name);
  return names;
};

/** full, differential and logs of `database` on sql-onprem, uploaded in the given order; returns the operations */
async function chain(database: string, stamp: string, logs: number, order: (paths: string[]) => string[]): Promise<{ ops: string[]; paths: string[] }> {
  const paths = [...(await world.backup(database, { kind: 'full', stripes: 2, timestamp: `${stamp}00` }))];
  await pause(300); // the workload moves the log on between backups
  paths.push(...(await world.backup(database, { kind: 'diff', stripes: 1, timestamp: `${stamp}10` })));
  for (let i = 0; i < logs; i++) {
    await pause(200);
    paths.push(...(await world.backup(database, { kind: 'log', stripes: 1, timestamp: `${stamp}2${i}` })));
  }
  const ops: string[] = [];
  for (const path of order(paths)) {
    const outcome = await world.deliver(await world.upload(path, `mi/${path}`));
    if (outcome.outcome === 'ignored') throw new Error(outcome.message);
    ops.push(outcome.operationId);
  }
  return { ops, paths };
}

test('full (2 stripes) + differential + 3 logs uploaded out of order: one restore through the Log Replay Service, in LSN order', async () => {
  const { ops, paths } = await chain('Sales', '20261205_06', 3, (p) => [p[4], p[2], p[0], p[5], p[1], p[3]]);
  await world.drainUntil(() => world.settled(...ops), 120_000);
  const results = await Promise.all(ops.map((id) => world.engine.get(id)));
  expect(results.map((r) => r?.error)).toEqual(ops.map(() => undefined));
  const restoring = results.filter((r) => !(r?.output as { skipped?: boolean }).skipped);
  expect(restoring).toHaveLength(1);
  const op = restoring[0];
  const files = (op?.output as { files: { kind: string; stripes: number; first: string }[] }).files;
  expect(files.map((f) => `${f.kind}/${f.stripes}`)).toEqual(['full/2', 'differential/1', 'log/1', 'log/1', 'log/1']);
  expect(files.map((f) => f.first.split('/').pop())).toEqual([paths[0], paths[2], paths[3], paths[4], paths[5]].map((p) => p.split('/').pop()));

  // the instance restored the staged files, in that order, and the copy is online with every table
  const history = await query<{ restore_type: string }>('mi-prod', "SELECT restore_type FROM msdb.dbo.restorehistory WHERE destination_database_name = 'Sales_copy' ORDER BY restore_history_id");
  expect(history.map((h) => h.restore_type)).toEqual(['D', 'I', 'L', 'L', 'L']);
  expect(await query('mi-prod', "SELECT state_desc FROM sys.databases WHERE name = 'Sales_copy'")).toEqual([{ state_desc: 'ONLINE' }]);
  expect((await rowCounts('mi-prod', 'Sales_copy')).map((r) => r.t)).toEqual(['dbo.Customers', 'dbo.Orders', 'sales.OrderLines']);
  expect(await staged()).toEqual([]);

  // progress: whole tens, rising, ending at 100, then the outcome
  const events = (await world.events.recent(200)).filter((e) => e.data.operationId === op?.id).reverse();
  const percents = events.filter((e) => e.type === 'MiAutopilot.Operation.Progress').map((e) => e.data.percent ?? -1);
  expect(percents.every((p) => p % 10 === 0)).toBe(true);
  expect([...percents].sort((a, b) => a - b)).toEqual(percents);
  expect(percents.at(-1)).toBe(100);
  expect(events.at(-1)?.type).toBe('MiAutopilot.Operation.Succeeded');
}, 180_000);

test('a chain onto an existing database restores beside it through the service, then swaps; the old copy is kept renamed', async () => {
  const { ops } = await chain('Sales', '20261205_07', 1, (p) => p);
  await world.drainUntil(() => world.settled(...ops), 120_000);
  const results = await Promise.all(ops.map((id) => world.engine.get(id)));
  expect(results.map((r) => r?.state)).toEqual(ops.map(() => 'succeeded'));
  const op = results.find((r) => !(r?.output as { skipped?: boolean }).skipped);
  expect(op?.output).toMatchObject({ database: 'Sales_copy', previousCopy: expect.stringMatching(/^Sales_copy_old_\d{14}$/) });
  const names = (await query<{ name: string }>('mi-prod', "SELECT name FROM sys.databases WHERE name LIKE 'Sales_copy%' ORDER BY name")).map((r) => r.name);
  expect(names).toEqual(['Sales_copy', (op?.output as { previousCopy: string }).previousCopy]);
  // the staging name the service restored into is gone: renamed to the target
  expect(names.some((n) => n.includes('_restoring_'))).toBe(false);
  expect(await staged()).toEqual([]);
}, 180_000);

test('a chain the instance cannot restore (TDE key missing): the service is stopped, nothing is left, the reason is given', async () => {
  const { ops } = await chain('Payroll', '20261205_08', 1, (p) => p);
  await world.drainUntil(() => world.settled(...ops), 120_000);
  const results = await Promise.all(ops.map((id) => world.engine.get(id)));
  const failed = results.filter((r) => r?.state === 'failed');
  expect(failed.length).toBeGreaterThan(0);
  for (const op of failed) {
    expect(op?.error?.code).toBe('LOG_REPLAY_FAILED');
    expect(op?.error?.message).toMatch(/^the Log Replay Service stopped restoring Payroll_copy on mi-prod: .*thumbprint '0x[0-9A-F]+'/);
    expect(op?.error?.message).toMatch(/Log Replay restore of Payroll_copy stopped and its database removed/);
  }
  // the chain's older members stepped aside for the newest one and say so, truthfully
  for (const sibling of results.filter((r) => r?.state === 'succeeded')) {
    expect((sibling?.output as { skipped?: boolean; reason?: string }).reason).toMatch(/^superseded: .* includes \S+, so the chain is restored once; nothing was restored by this operation/);
  }
  expect(await query('mi-prod', "SELECT name FROM sys.databases WHERE name LIKE 'Payroll%'")).toEqual([]);
  expect(await staged()).toEqual([]);
}, 180_000);

test('cancelling while the service restores stops it, drops its database and the staged copies; the existing copy stays', async () => {
  const mi = world.emulator.find('mi-prod').instance;
  const throughput = mi.config.throughputMBps;
  mi.config.throughputMBps = 10; // the 400 MB full backup takes about 40 s
  try {
    const before = await query<{ name: string; create_date: Date }>('mi-prod', "SELECT name, create_date FROM sys.databases WHERE name = 'Sales_copy'");
    expect(before).toHaveLength(1);
    const { ops } = await chain('Sales', '20261205_09', 1, (p) => p);
    // whichever of the chain's operations got the target first restores it
    let first = '';
    await world.drainUntil(async () => {
      for (const id of ops) if ((await world.engine.get(id))?.step === 'watchLogReplay') first = id;
      return first !== '';
    }, 60_000);
    expect(await staged()).not.toEqual([]);
    await world.engine.cancel(first, 'dba@contoso', 'restore window closed');
    await world.drainUntil(() => world.settled(...ops), 60_000);
    const op = await world.engine.get(first);
    expect(op?.state).toBe('cancelled');
    expect(op?.error?.message).toMatch(/^cancelled by dba@contoso: restore window closed; the existing Sales_copy on mi-prod was not changed \(Log Replay restore of Sales_copy_restoring_\w+ stopped and its database removed, \d+ staged files removed\)$/);
    expect(await query('mi-prod', "SELECT name, create_date FROM sys.databases WHERE name LIKE 'Sales_copy%' AND name NOT LIKE 'Sales_copy_old_%'")).toEqual(before);
    expect(await staged()).toEqual([]);
  } finally {
    mi.config.throughputMBps = throughput;
  }
}, 180_000);
