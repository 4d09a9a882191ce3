// What a DBA relies on at night: production is never overwritten without a rule allowing it and
// an approval; the backup restored is exactly the one that arrived; an outage in the middle is
// waited out and leaves nothing behind. Each was seen to fail on the first version of auto-restore.
import { RestoreWorld, startRestoreWorld } from '../../helpers/restoreWorld';

let world: RestoreWorld;

beforeAll(async () => {
  world = await startRestoreWorld({
    configure: (e) => {
      e.restoreRules.push(
        // sql-onprem is production in this estate
        { name: 'over-prod', container: 'backups', pathPattern: 'prod/{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak', target: { instance: 'sql-onprem', database: '{database}_prodcopy' }, onExisting: 'swap', verify: 'none' },
        { name: 'over-prod-allowed', container: 'backups', pathPattern: 'prodok/{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak', target: { instance: 'sql-onprem', database: '{database}_prodcopy' }, onExisting: 'swap', verify: 'none', allowProductionTarget: true },
        { name: 'exact', container: 'backups', pathPattern: 'exact/{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak', target: { instance: 'sql-dev', database: '{database}_exact' }, onExisting: 'swap', verify: 'none' },
      );
    },
    unreachableWindowMs: 60_000,
  });
  const p = await world.pool('sql-onprem');
  await p.request().batch('CREATE DATABASE [Sales_prodcopy]');
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

const started = (o: Awaited<ReturnType<RestoreWorld['deliver']>>): string => {
  if (o.outcome === 'ignored') throw new Error(`event ignored: ${o.message}`);
  return o.operationId;
};

async function createDate(instance: string, database: string): Promise<string | undefined> {
  const p = await world.pool(instance);
  const r = await p.request().input('db', database).query('SELECT CONVERT(varchar(30), create_date, 126) AS d FROM sys.databases WHERE name = @db');
  return r.recordset[0]?.d as string | undefined;
}

test('a rule that would swap a production database without allowProductionTarget is refused before anything is touched', async () => {
  const before = await createDate('sql-onprem', 'Sales_prodcopy');
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261205_2100' });
  const id = started(await world.deliver(await world.upload(path, `prod/${path}`)));
  await world.drainUntil(() => world.settled(id));
  const op = await world.engine.get(id);
  expect(op?.state).toBe('failed');
  expect(op?.error?.code).toBe('TARGET_PROTECTED');
  expect(op?.error?.message).toMatch(/would swap sql-onprem\/Sales_prodcopy, and sql-onprem is a production instance; only a restore rule with allowProductionTarget: true may, and then after an approval\. Nothing was started or changed/);
  expect(await createDate('sql-onprem', 'Sales_prodcopy')).toBe(before);
});

test('a rule that allows a production target asks for an approval first, and records the approver', async () => {
  const before = await createDate('sql-onprem', 'Sales_prodcopy');
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261205_2110' });
  const id = started(await world.deliver(await world.upload(path, `prodok/${path}`)));
  await world.drainUntil(async () => (await world.engine.get(id))?.state === 'awaiting-approval');
  const asked = await world.engine.get(id);
  expect(asked?.approval?.prompt).toBe(`the restore of prodok/${path} will swap in a new copy of sql-onprem/Sales_prodcopy (sql-onprem is a production instance). Approve?`);
  // nothing was touched while it waited
  expect(await createDate('sql-onprem', 'Sales_prodcopy')).toBe(before);
  await world.engine.decide(id, { name: 'lead@contoso.com', id: '11111111-2222-3333-4444-555555555555', selfDeclared: false }, 'approved', 'change CHG-1042');
  await world.drainUntil(() => world.settled(id));
  const op = await world.engine.get(id);
  expect(op?.error).toBeUndefined();
  expect(op).toMatchObject({ state: 'succeeded', approval: { decidedBy: 'lead@contoso.com', decidedVia: 'principal', comment: 'change CHG-1042' }, output: { previousCopy: expect.stringMatching(/^Sales_prodcopy_old_/) } });
});

test('an older full uploaded after a newer one restores that older backup, exactly, and says which', async () => {
  const [older] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261205_2120' });
  await new Promise((r) => setTimeout(r, 300)); // the workload moves the log on: the second full is newer
  const [newer] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261205_2130' });
  const first = started(await world.deliver(await world.upload(newer, `exact/${newer}`)));
  await world.drainUntil(() => world.settled(first));
  const second = started(await world.deliver(await world.upload(older, `exact/${older}`)));
  await world.drainUntil(() => world.settled(second));
  const [a, b] = [await world.engine.get(first), await world.engine.get(second)];
  const backupOf = (o: typeof a) => (o?.output as { backup: { files: string[]; backupSetGuid: string; lastLsn: string } }).backup;
  expect(backupOf(a).files).toEqual([`exact/${newer}`]);
  expect(backupOf(b).files).toEqual([`exact/${older}`]);
  expect(BigInt(backupOf(b).lastLsn)).toBeLessThan(BigInt(backupOf(a).lastLsn));
  // msdb on the target agrees: the last restore into Sales_exact came from the older backup set
  const p = await world.pool('sql-dev');
  const r = await p.request().query(
    "SELECT TOP 1 CAST(bs.backup_set_uuid AS nvarchar(36)) AS guid FROM msdb.dbo.restorehistory rh JOIN msdb.dbo.backupset bs ON bs.backup_set_id = rh.backup_set_id WHERE rh.destination_database_name LIKE 'Sales_exact%' ORDER BY rh.restore_history_id DESC",
  );
  expect(String(r.recordset[0].guid).toLowerCase()).toBe(backupOf(b).backupSetGuid);
});

test('the target down in the middle of a restore: the operation waits, saying so, and when it is back reports the cut-off restore and leaves nothing behind', async () => {
  const dev = world.emulator.find('sql-dev').instance;
  const throughput = dev.config.throughputMBps;
  dev.config.throughputMBps = 20; // a few seconds of RESTORE to fall into
  try {
    const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261205_2140' });
    const id = started(await world.deliver(await world.upload(path, `exact/${path}`)));
    await world.drainUntil(async () => (await world.engine.get(id))?.step === 'watch');
    dev.injectFault({ kind: 'instanceDown' });
    let waited: string | undefined;
    await world.drainUntil(async () => {
      const op = await world.engine.get(id);
      if (op?.waitReason?.startsWith('sql-dev unreachable since')) waited = op.waitReason;
      return waited !== undefined;
    }, 30_000);
    expect(waited).toMatch(/^sql-dev unreachable since \S+ \(waiting up to 1 minutes\): sql-dev: /);
    dev.clearFaults();
    await world.drainUntil(() => world.settled(id), 90_000);
    const op = await world.engine.get(id);
    // the outage killed the restore's session: the restore says so plainly, and its debris is gone
    expect(op?.state).toBe('failed');
    expect(op?.error?.code).toBe('RESTORE_INTERRUPTED');
    // (the earlier test left a Sales_exact: this restore went under a staging name, which is gone)
    expect(op?.error?.message).toMatch(/^the restore was cut off while it ran \(the instance restarted, or its session was killed\)\. SQL Server said: .*; the existing Sales_exact on sql-dev was not changed \(staging database Sales_exact_restoring_\w+ dropped\)$/);
    const p = await world.pool('sql-dev');
    expect((await p.request().query("SELECT name FROM sys.databases WHERE state_desc = 'RESTORING'")).recordset).toEqual([]);
    expect((await p.request().input('like', `%${id}%`).query('SELECT name FROM msdb.dbo.sysjobs WHERE name LIKE @like')).recordset).toEqual([]);
  } finally {
    dev.clearFaults();
    dev.config.throughputMBps = throughput;
  }
});
