// The restore playbook end to end: a backup committed to the watched container is restored by
// rule on the emulated estate through the real mssql client.
import { RestoreWorld, startRestoreWorld } from '../../helpers/restoreWorld';

let world: RestoreWorld;

beforeAll(async () => {
  world = await startRestoreWorld();
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

async function rowCounts(instance: string, database: string): Promise<Record<string, number>> {
  const p = await world.pool(instance);
  const r = await p.request().batch(
    `USE [${database.replace(/]/g, ']]')}]; SELECT s.name + '.' + t.name AS t, SUM(p.rows) AS n FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id JOIN sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1) GROUP BY s.name, t.name`,
  );
  return Object.fromEntries(r.recordset.map((row: { t: string; n: number }) => [row.t, Number(row.n)]));
}

test('a full backup committed to the container is restored on the rule target with every table', async () => {
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_0100' });
  const outcome = await world.deliver(await world.upload(path));
  expect(outcome).toMatchObject({ outcome: 'started', target: 'sql-dev/sales_dev' });
  if (outcome.outcome !== 'started') return;
  await world.drainUntil(() => world.settled(outcome.operationId));
  const op = await world.engine.get(outcome.operationId);
  expect(op?.error).toBeUndefined();
  expect(op?.state).toBe('succeeded');
  expect(await rowCounts('sql-dev', 'Sales_dev')).toEqual(await rowCounts('sql-onprem', 'Sales'));
  // progress: whole tens, rising, ending at 100, then the outcome
  const events = (await world.events.recent(100)).filter((e) => e.data.operationId === outcome.operationId).reverse();
  const percents = events.filter((e) => e.type === 'MiAutopilot.Operation.Progress').map((e) => e.data.percent ?? -1);
  expect(percents.length).toBeGreaterThan(0);
  expect(percents.every((p) => p % 10 === 0)).toBe(true);
  expect([...percents].sort((a, b) => a - b)).toEqual(percents);
  expect(percents.at(-1)).toBe(100);
  expect(events.at(-1)?.type).toBe('MiAutopilot.Operation.Succeeded');
});
