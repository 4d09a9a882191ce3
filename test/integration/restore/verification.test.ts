// Verification that reads a backup once: a restore into a new or staging name verifies the pages as
// it reads them (WITH CHECKSUM), and only a restore over a database in place reads the backup a
// second time first (RESTORE VERIFYONLY). A damaged backup fails with SQL Server's checksum error
// and the database it would have replaced is untouched.
import { damageBackup } from '../../../emulator/backup/format';
import { restoreFromRequest } from '../../../shared/restore/start';
import type { SqlClient } from '../../../shared/sql/pools';
import { RestoreWorld, startRestoreWorld } from '../../helpers/restoreWorld';

let world: RestoreWorld;
/** every statement the playbook sent, with its parameters (an Agent job step's command is one) */
const sent: string[] = [];

beforeAll(async () => {
  world = await startRestoreWorld({
    sqlClient: (real: SqlClient): SqlClient => ({
      instance: real.instance,
      query: (statement, options) => {
        sent.push(JSON.stringify(statement));
        return real.query(statement, options);
      },
      batch: (text, options) => {
        sent.push(text);
        return real.batch(text, options);
      },
    }),
  });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

const restoresSent = (): string[] => sent.filter((s) => /RESTORE (DATABASE|VERIFYONLY)/.test(s));
const steps = async (id: string): Promise<string[]> => (await world.engine.audit(id)).map((a) => a.reason).filter((r) => r.startsWith('step ')).map((r) => r.split(' ')[1]);

async function restoreHistory(database: string): Promise<string[]> {
  const p = await world.pool('sql-dev');
  const r = await p.request().input('db', database).query<{ guid: string }>(
    'SELECT CONVERT(varchar(36), b.backup_set_uuid) AS guid FROM msdb.dbo.restorehistory h JOIN msdb.dbo.backupset b ON b.backup_set_id = h.backup_set_id WHERE h.destination_database_name = @db ORDER BY h.restore_history_id',
  );
  return r.recordset.map((x) => x.guid.toLowerCase());
}

test('a restore into a new name uses WITH CHECKSUM and never VERIFYONLY', async () => {
  sent.length = 0;
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261206_0100' });
  const outcome = await world.deliver(await world.upload(path));
  if (outcome.outcome !== 'started') throw new Error(JSON.stringify(outcome));
  await world.drainUntil(() => world.settled(outcome.operationId));
  expect((await world.engine.get(outcome.operationId))?.state).toBe('succeeded');
  const restores = restoresSent();
  expect(restores.some((s) => s.includes('VERIFYONLY'))).toBe(false);
  expect(restores.some((s) => /RESTORE DATABASE \[Sales_dev\].*CHECKSUM/s.test(s))).toBe(true);
  expect(await steps(outcome.operationId)).not.toContain('verifyBackup');
}, 60_000);

test('a restore that replaces the database in place verifies the backup first', async () => {
  sent.length = 0;
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261206_0200' });
  await world.upload(path);
  const blobUrl = `${world.service.getContainerClient('backups').url}/${path}`;
  const eTag = (await world.service.getContainerClient('backups').getBlobClient(path).getProperties()).etag ?? '';
  const started = await restoreFromRequest(world.engine, world.estate, { blobUrl, target: { instance: 'sql-dev', database: 'Sales_dev' }, onExisting: 'replace', requestedBy: 'dba@contoso' }, eTag);
  const id = started.operation.id;
  await world.drainUntil(() => world.settled(id));
  expect((await world.engine.get(id))?.error).toBeUndefined();
  const order = restoresSent().map((s) => (s.includes('VERIFYONLY') ? 'verify' : /RESTORE DATABASE \[Sales_dev\].*REPLACE/s.test(s) ? 'replace' : 'other'));
  expect(order.indexOf('verify')).toBeGreaterThanOrEqual(0);
  expect(order.indexOf('verify')).toBeLessThan(order.indexOf('replace'));
  expect(restoresSent().find((s) => s.includes('VERIFYONLY'))).toMatch(/VERIFYONLY FROM URL = .* WITH CHECKSUM/s);
  const ran = await steps(id);
  expect(ran.indexOf('verifyBackup')).toBeGreaterThan(ran.indexOf('precheck'));
  expect(ran.indexOf('verifyBackup')).toBeLessThan(ran.indexOf('startRestore'));
}, 60_000);

test('a damaged backup fails with the checksum error and the database it would replace is untouched', async () => {
  const before = await restoreHistory('Sales_dev');
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261206_0300' });
  const staged = world.service.getContainerClient('staging').getBlockBlobClient(path);
  await staged.uploadData(damageBackup(await staged.downloadToBuffer(), 60));
  const outcome = await world.deliver(await world.upload(path));
  if (outcome.outcome !== 'started') throw new Error(JSON.stringify(outcome));
  await world.drainUntil(() => world.settled(outcome.operationId));
  const op = await world.engine.get(outcome.operationId);
  expect(op?.state).toBe('failed');
  expect(op?.error?.code).toBe('BACKUP_DAMAGED');
  expect(op?.error?.message).toMatch(/RESTORE detected an error on page \(1:\d+\) in database "Sales_dev_restoring_\w+" as read from the backup set/);
  // the live copy is the one restored before, ONLINE; the staging copy is gone
  const p = await world.pool('sql-dev');
  const dbs = (await p.request().query<{ name: string; state: string }>("SELECT name, state_desc AS state FROM sys.databases WHERE name LIKE 'Sales[_]dev%'")).recordset;
  expect(dbs.find((d) => d.name === 'Sales_dev')?.state).toBe('ONLINE');
  expect(dbs.filter((d) => d.name.startsWith('Sales_dev_restoring'))).toEqual([]);
  expect(await restoreHistory('Sales_dev')).toEqual(before);
}, 60_000);
