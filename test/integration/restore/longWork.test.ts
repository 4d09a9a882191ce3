// Long server-side work outlives any function: a DBCC CHECKDB of 12 minutes (emulated clock) on a
// restored copy runs once, as a SQL Agent job the step polls, while the engine's lease is a
// fraction of that. (It used to run on the function's own connection under a lease nobody renewed:
// a big database was checked twice at once, or looped to POISON_MESSAGE.)
import type { SqlClient } from '../../../shared/sql/pools';
import { Statement } from '../../../shared/sql/statement';
import { RestoreWorld, startRestoreWorld } from '../../helpers/restoreWorld';

let world: RestoreWorld;
const sent: string[] = [];

/** Records every statement the playbook sends, parameters included. */
function recording(real: SqlClient): SqlClient {
  return {
    instance: real.instance,
    query(statement, options) {
      const { text, params } = statement instanceof Statement ? statement.parameterized() : statement;
      sent.push(`${text} ${params.map((p) => String(p.value)).join(' ')}`);
      return real.query(statement, options);
    },
    batch(text, options) {
      sent.push(text);
      return real.batch(text, options);
    },
  };
}

beforeAll(async () => {
  world = await startRestoreWorld({
    emulated: (e) => {
      e.clockSpeed = 240; // 12 simulated minutes are 3 real seconds
      const onprem = e.instances.find((i) => i.name === 'sql-onprem');
      onprem?.databases?.push({ name: 'Warehouse', recoveryModel: 'SIMPLE', sizeMB: 72_000, tables: [{ schema: 'dbo', name: 'Facts', rows: 1_000_000 }] });
      const dev = e.instances.find((i) => i.name === 'sql-dev');
      if (dev) dev.throughputMBps = 100; // 72,000 MB at 100 MB/s: 12 minutes to restore, 12 to check
    },
    configure: (e) => {
      e.restoreRules.push({
        name: 'to-dev-checked',
        container: 'backups',
        pathPattern: 'checked/{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak',
        target: { instance: 'sql-dev', database: '{database}_checked' },
        onExisting: 'fail',
        verify: 'checkdb',
      });
    },
    // a lease far shorter than the check: only a job the step polls can survive it
    engine: { leaseMs: 1_000, leaseGraceMs: 500 },
    sqlClient: recording,
  });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

test('a 12-minute CHECKDB runs once, as a server-side job, and the restore completes', async () => {
  const [path] = await world.backup('Warehouse', { kind: 'full', stripes: 1, timestamp: '20261205_0100' });
  const outcome = await world.deliver(await world.upload(path, `checked/${path}`));
  if (outcome.outcome !== 'started') throw new Error(`not started: ${JSON.stringify(outcome)}`);
  const id = outcome.operationId;
  const waits = new Set<string>();
  await world.drainUntil(async () => {
    const op = await world.engine.get(id);
    if (op?.waitReason?.startsWith('DBCC CHECKDB')) waits.add(op.waitReason);
    return world.settled(id);
  }, 90_000);
  const op = await world.engine.get(id);
  expect(op?.state).toBe('succeeded');
  expect(sent.filter((t) => t.includes('DBCC CHECKDB'))).toHaveLength(1);
  // progress was visible while it ran
  expect([...waits].some((w) => /^DBCC CHECKDB of Warehouse_checked on sql-dev \(\d+% checked\)$/.test(w))).toBe(true);
  const p = await world.pool('sql-dev');
  const jobs = await p.request().input('like', `%${id}%`).query('SELECT name FROM msdb.dbo.sysjobs WHERE name LIKE @like');
  expect(jobs.recordset).toEqual([]);
  const online = await p.request().query("SELECT state_desc FROM sys.databases WHERE name = 'Warehouse_checked'");
  expect(online.recordset[0]?.state_desc).toBe('ONLINE');
});
