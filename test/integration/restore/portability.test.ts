// Backup portability, asked of ARM before anything is touched: a managed instance on the SQL Server
// 2022 update policy restores on SQL Server 2022; one on Always-up-to-date is refused with the reason.
import { RestoreWorld, startRestoreWorld } from '../../helpers/restoreWorld';

let world: RestoreWorld;

beforeAll(async () => {
  world = await startRestoreWorld({ arm: true });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

async function restoreFrom(server: string, database: string, stamp: string) {
  const [path] = await world.backup(database, { kind: 'full', stripes: 1, timestamp: stamp, server, copyOnly: true });
  const outcome = await world.deliver(await world.upload(path));
  if (outcome.outcome === 'ignored') throw new Error(outcome.message);
  await world.drainUntil(() => world.settled(outcome.operationId), 90_000);
  return world.engine.get(outcome.operationId);
}

test('a managed instance on the SQL Server 2022 update policy: its backup restores on SQL Server, files moved', async () => {
  const op = await restoreFrom('mi-prod', 'Billing', '20261122_1600');
  expect(op?.error).toBeUndefined();
  expect(op?.output).toMatchObject({ instance: 'sql-dev', database: 'Billing_dev' });
});

test('a managed instance on Always-up-to-date: refused before anything is touched, saying why', async () => {
  const op = await restoreFrom('mi-auto', 'Ledger', '20261122_1700');
  expect(op?.state).toBe('failed');
  expect(op?.error?.code).toBe('NOT_PORTABLE_UPDATE_POLICY');
  expect(op?.error?.message).toMatch(/^mi-auto uses the update policy AlwaysUpToDate; its backups restore only on managed instances, never on SQL Server/);
  expect(op?.error?.message).toMatch(/nothing was changed on sql-dev/);
  const p = await world.pool('sql-dev');
  const dbs = await p.request().query("SELECT name FROM sys.databases WHERE name LIKE 'Ledger%'");
  expect(dbs.recordset).toEqual([]);
});

test('a backup encrypted with a customer-managed TDE key needs that key on the target: a clear failure, no staging copy left', async () => {
  const op = await restoreFrom('mi-prod', 'Vault', '20261122_1800');
  expect(op?.state).toBe('failed');
  expect(op?.error?.code).toBe('TDE_CERTIFICATE_MISSING');
  expect(op?.error?.message).toMatch(/the target lacks the certificate.*Cannot find server certificate with thumbprint '0x[0-9A-F]+'/);
  const p = await world.pool('sql-dev');
  expect((await p.request().query("SELECT name FROM sys.databases WHERE name LIKE 'Vault%'")).recordset).toEqual([]);
});
