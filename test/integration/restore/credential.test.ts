// A SAS that storage refuses: SQL Server cannot open the backup (3201, OS error 86), the restore
// stops with its code before touching anything, and the message carries no secret.
import { BackupContainer } from '../../../shared/storage/backupContainer';
import { azuriteAccountSas } from '../../helpers/azurite';
import { RestoreWorld, startRestoreWorld } from '../../helpers/restoreWorld';

const WRONG_KEY = Buffer.alloc(64, 7).toString('base64');
let world: RestoreWorld;

beforeAll(async () => {
  world = await startRestoreWorld({
    // the container hands out a SAS signed with the wrong account key
    container: (real) => Object.assign(Object.create(real) as BackupContainer, { sas: async () => azuriteAccountSas('rl', WRONG_KEY) }),
  });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

test('a refused SAS ends the restore with CREDENTIAL_OR_BLOB_REFUSED and nothing restored', async () => {
  const p = await world.pool('sql-dev');
  await p.request().batch('CREATE DATABASE [Sales_dev]');
  const [path] = await world.backup('Sales', { kind: 'full', stripes: 1, timestamp: '20261122_1300' });
  const outcome = await world.deliver(await world.upload(path));
  if (outcome.outcome === 'ignored') throw new Error(outcome.message);
  await world.drainUntil(() => world.settled(outcome.operationId));
  const op = await world.engine.get(outcome.operationId);
  expect(op?.state).toBe('failed');
  expect(op?.error?.code).toBe('CREDENTIAL_OR_BLOB_REFUSED');
  expect(op?.error?.message).toMatch(/Operating system error 86/);
  expect(op?.error?.message).toMatch(/nothing was changed on sql-dev/);
  expect(op?.error?.message).not.toMatch(/sig=[^R]/);
  const dbs = await p.request().query("SELECT name FROM sys.databases WHERE name LIKE 'Sales_dev%'");
  expect(dbs.recordset.map((r: { name: string }) => r.name)).toEqual(['Sales_dev']);
});
