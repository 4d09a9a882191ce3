// The link as a DBA reaches it: an estate file with a link, T-SQL over mssql on both sides.
import sql from 'mssql';
import { defaultServices } from '../../../../emulator/engine/defaultServices';
import { startEstate, type RunningEstate } from '../../../../emulator/engine/estateServer';

const PASSWORD = 'Local-Only-Test-Password-3';
let estate: RunningEstate;
const pools: sql.ConnectionPool[] = [];

async function pool(name: string): Promise<sql.ConnectionPool> {
  const r = estate.find(name);
  const p = await new sql.ConnectionPool({ server: r.host, port: r.port, user: 'sa', password: PASSWORD, database: 'master', options: { encrypt: true, trustServerCertificate: true } }).connect();
  pools.push(p);
  return p;
}

beforeAll(async () => {
  const login = [{ name: 'sa', password: PASSWORD }];
  estate = await startEstate(
    {
      instances: [
        { name: 'sql-onprem', kind: 'sqlServer', logins: login, databases: [{ name: 'Sales', recoveryModel: 'FULL', workloadTps: 50 }] },
        { name: 'mi-prod', kind: 'managedInstance', updatePolicy: 'SQL Server 2022', logins: login, databases: [{ name: 'Sales' }] },
      ],
      links: [{ name: 'Link_Sales', sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Sales' }, managedInstance: { instance: 'mi-prod' }, databases: ['Sales'] }],
    },
    { services: defaultServices() },
  );
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await estate.stop();
});

const roles = async (name: string): Promise<boolean[]> =>
  (await (await pool(name)).request().query('SELECT is_primary_replica FROM sys.dm_hadr_database_replica_states WHERE is_local = 1')).recordset.map((r: { is_primary_replica: boolean }) => r.is_primary_replica);

test('the estate file link shows in the DMVs, and a forced failover in T-SQL on the managed instance swaps the roles', async () => {
  const ag = await (await pool('sql-onprem')).request().query('SELECT name, is_distributed FROM sys.availability_groups ORDER BY name');
  expect(ag.recordset).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Link_Sales', is_distributed: true })]));
  expect(await roles('sql-onprem')).toContain(true);
  expect(await roles('mi-prod')).toContain(false);

  await (await pool('mi-prod')).request().batch('ALTER AVAILABILITY GROUP [Link_Sales] FORCE_FAILOVER_ALLOW_DATA_LOSS');
  estate.links.refresh();
  expect(await roles('mi-prod')).toContain(true);
  await expect((await pool('mi-prod')).request().batch('ALTER AVAILABILITY GROUP [No_Such_Link] FAILOVER')).rejects.toMatchObject({ number: 15151 });
});
