// What a refresh playbook asks of a target before and after a restore, through the real mssql
// client: the free space on the target's volume (sys.dm_os_volume_stats, CROSS APPLY from
// sys.master_files and called with constants), which a restore consumes; and the database users a
// restored database brings with their SIDs (sys.database_principals, sys.server_principals,
// sys.sql_logins), orphaned where the login of the same name has another SID, re-mapped with
// ALTER USER ... WITH LOGIN (also as an Agent job step run in the database), with SQL Server's
// errors for what does not exist.
import sql from 'mssql';
import { BlobServiceClient } from '@azure/storage-blob';
import { defaultServices } from '../../../emulator/engine/defaultServices';
import type { Estate } from '../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../emulator/engine/estateServer';
import { azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../helpers/azurite';
import { openPool } from '../../helpers/emulatorPool';
import { managedInstance, sqlServer, userLogin } from '../../helpers/emulatorEstate';

jest.setTimeout(60_000);

const PASSWORD = 'Local-Only-Test-Password-7';
const GB = 1024 ** 3;
const MB = 1024 ** 2;
/** a SID the estate gives a user whose login is on no instance */
const LEGACY_SID = '0x0102030405060708090A0B0C0D0E0F10';

function estate(): Estate {
  return {
    clockSpeed: 50,
    instances: [
      sqlServer('sql-src', PASSWORD, {
        freeSpaceGB: 100,
        logins: [userLogin('app', PASSWORD), userLogin('reporting', PASSWORD)],
        databases: [
          {
            name: 'Sales',
            recoveryModel: 'FULL',
            sizeMB: 256,
            tables: [{ name: 'Orders', rows: 1000 }],
            users: [{ name: 'app' }, { name: 'reports', login: 'reporting', defaultSchema: 'rpt' }, { name: 'legacy', sid: LEGACY_SID }],
          },
        ],
      }),
      sqlServer('sql-dst', PASSWORD, {
        freeSpaceGB: 10,
        defaultDataPath: 'D:\\SQLData\\',
        // the same name as on sql-src, another login: another SID
        logins: [userLogin('app', PASSWORD)],
      }),
      managedInstance('mi-dst', PASSWORD, { storageSizeGB: 64, databases: [{ name: 'Billing', sizeMB: 1024 }] }),
    ],
  };
}

interface VolumeRow {
  volume_mount_point: string | null;
  total_bytes: string;
  available_bytes: string;
}

const VOLUMES = `SELECT DISTINCT vs.volume_mount_point, vs.total_bytes, vs.available_bytes
  FROM sys.master_files AS f CROSS APPLY sys.dm_os_volume_stats(f.database_id, f.file_id) AS vs;`;

/** orphaned users: SQL and Entra users whose SID no login of the instance has */
const ORPHANS = `SELECT dp.name FROM sys.database_principals AS dp
  WHERE dp.type IN ('S', 'E') AND dp.principal_id > 4 AND dp.sid NOT IN (SELECT sid FROM sys.server_principals)
  ORDER BY dp.name`;

async function failure(p: Promise<unknown>): Promise<{ number?: number; message?: string; class?: number }> {
  try {
    await p;
  } catch (e) {
    return e as { number?: number; message?: string };
  }
  throw new Error('expected the statement to fail');
}

describe('free space and database users for a refresh', () => {
  let azurite: AzuriteInstance;
  let running: RunningEstate;
  let container: string;
  const pools = new Map<string, sql.ConnectionPool>();
  const pool = async (name: string): Promise<sql.ConnectionPool> => {
    let p = pools.get(name);
    if (!p) {
      p = await openPool(running.find(name), { requestTimeout: 30_000 });
      pools.set(name, p);
    }
    return p;
  };
  const volumes = async (name: string): Promise<VolumeRow[]> => (await (await pool(name)).request().query<VolumeRow>(VOLUMES)).recordset;
  const usedBytes = async (name: string): Promise<number> => {
    const r = await (await pool(name)).request().query<{ pages: number }>('SELECT SUM(CAST(size AS bigint)) AS pages FROM sys.master_files');
    return Number(r.recordset[0].pages) * 8192;
  };

  beforeAll(async () => {
    [azurite, running] = await Promise.all([startAzurite(), startEstate(estate(), { services: defaultServices() })]);
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await service.getContainerClient('refresh').createIfNotExists();
    container = `${azurite.blobEndpoint}/refresh`;
    for (const name of ['sql-src', 'sql-dst']) {
      await (await pool(name)).request().batch(`CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${azuriteAccountSas('rwdlc')}'`);
    }
  });

  afterAll(async () => {
    await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
    await running?.stop();
    await azurite?.stop();
  });

  describe('sys.dm_os_volume_stats', () => {
    it('gives the volume of every file (one volume per instance) with the modelled free space, and the same called with constants', async () => {
      const dst = await pool('sql-dst');
      const rows = await volumes('sql-dst');
      expect(rows).toHaveLength(1);
      expect(rows[0].volume_mount_point).toBe('D:\\');
      expect(Number(rows[0].available_bytes)).toBe(10 * GB);
      expect(Number(rows[0].total_bytes)).toBe(10 * GB + (await usedBytes('sql-dst')));
      expect(running.find('sql-dst').instance.config.freeSpaceBytes).toBe(10 * GB);

      const direct = await dst.request().query<{ available_bytes: string }>("SELECT available_bytes FROM sys.dm_os_volume_stats(DB_ID('master'), 1)");
      expect(direct.recordset).toEqual([{ available_bytes: String(10 * GB) }]);

      const all = await dst.request().query('SELECT * FROM sys.dm_os_volume_stats(1, 2)');
      expect(Object.keys(all.recordset[0])).toEqual([
        'database_id',
        'file_id',
        'volume_mount_point',
        'volume_id',
        'logical_volume_name',
        'file_system_type',
        'total_bytes',
        'available_bytes',
        'supports_compression',
        'supports_alternate_streams',
        'supports_sparse_files',
        'is_read_only',
        'is_compressed',
        'incurs_seek_penalty',
      ]);
      expect(all.recordset[0]).toMatchObject({ database_id: 1, file_id: 2, file_system_type: 'NTFS', is_read_only: 0, supports_sparse_files: 1, incurs_seek_penalty: 0 });
      expect(all.recordset[0].volume_id).toMatch(/^\\\\\?\\Volume\{[0-9a-f-]{36}\}\\$/);
      // the column types as the docs give them
      const columns = all.recordset.columns as unknown as Record<string, { type: { declaration: string }; length?: number }>;
      expect(columns.volume_mount_point.type.declaration).toBe('nvarchar');
      // nvarchar(512): mssql reports the TYPE_INFO length, in bytes
      expect(columns.volume_mount_point.length).toBe(1024);
      expect(columns.total_bytes.type.declaration).toBe('bigint');
      expect(columns.is_read_only.type.declaration).toBe('tinyint');
    });

    it('returns NULL for the volume names and flags on Linux, as the docs say', async () => {
      const rows = (await (await pool('sql-src')).request().query('SELECT * FROM sys.dm_os_volume_stats(DB_ID(), 1)')).recordset;
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ volume_mount_point: null, volume_id: null, logical_volume_name: null, file_system_type: null, supports_compression: null, is_read_only: 0, incurs_seek_penalty: null });
      expect(Number(rows[0].available_bytes)).toBe(100 * GB);
    });

    it("on a managed instance reports the reserved storage and what the databases leave of it", async () => {
      const rows = await volumes('mi-dst');
      expect(rows).toHaveLength(1);
      expect(rows[0].volume_mount_point).toBe('C:\\');
      expect(Number(rows[0].total_bytes)).toBe(64 * GB);
      expect(Number(rows[0].available_bytes)).toBe(64 * GB - (await usedBytes('mi-dst')));
    });

    it('refuses missing arguments as SQL Server does, and gives no row for a database or file that does not exist', async () => {
      const p = await pool('sql-dst');
      expect(await failure(p.request().query('SELECT * FROM sys.dm_os_volume_stats(1)'))).toMatchObject({
        number: 313,
        message: 'An insufficient number of arguments were supplied for the procedure or function sys.dm_os_volume_stats.',
      });
      expect(await failure(p.request().query('SELECT * FROM sys.dm_os_volume_stats(1, 1, 1)'))).toMatchObject({ number: 8144 });
      expect(await failure(p.request().query('SELECT * FROM sys.dm_os_volume_stats'))).toMatchObject({
        number: 216,
        message: "Parameters were not supplied for the function 'sys.dm_os_volume_stats'.",
      });
      expect((await p.request().query('SELECT * FROM sys.dm_os_volume_stats(999, 1)')).recordset).toEqual([]);
      expect((await p.request().query('SELECT * FROM sys.dm_os_volume_stats(1, 99)')).recordset).toEqual([]);
    });

    it('CREATE DATABASE takes free space and DROP DATABASE gives it back', async () => {
      const p = await pool('sql-dst');
      const before = Number((await volumes('sql-dst'))[0].available_bytes);
      await p.request().batch('CREATE DATABASE Scratch');
      const size = await p.request().query<{ bytes: number }>("SELECT SUM(size) * 8192 AS bytes FROM sys.master_files WHERE database_id = DB_ID('Scratch')");
      expect(Number((await volumes('sql-dst'))[0].available_bytes)).toBe(before - size.recordset[0].bytes);
      await p.request().batch('DROP DATABASE Scratch');
      expect(Number((await volumes('sql-dst'))[0].available_bytes)).toBe(before);
    });
  });

  describe('a database restored with its users', () => {
    beforeAll(async () => {
      const src = await pool('sql-src');
      await src.request().batch(`BACKUP DATABASE [Sales] TO URL = N'${container}/Sales.bak' WITH COPY_ONLY, FORMAT`);
    });

    it('on the source: the users have their logins\u2019 SIDs, only the one whose login is elsewhere is orphaned', async () => {
      const src = await pool('sql-src');
      const users = await src.request().query<{ name: string; type: string; type_desc: string; default_schema_name: string; authentication_type_desc: string; login: string | null }>(
        `SELECT dp.name, dp.type, dp.type_desc, dp.default_schema_name, dp.authentication_type_desc, sp.name AS login
         FROM [Sales].sys.database_principals AS dp LEFT JOIN sys.server_principals AS sp ON sp.sid = dp.sid
         WHERE dp.principal_id > 4 AND dp.type = 'S' ORDER BY dp.principal_id`,
      );
      expect(users.recordset).toEqual([
        { name: 'app', type: 'S', type_desc: 'SQL_USER', default_schema_name: 'dbo', authentication_type_desc: 'INSTANCE', login: 'app' },
        { name: 'reports', type: 'S', type_desc: 'SQL_USER', default_schema_name: 'rpt', authentication_type_desc: 'INSTANCE', login: 'reporting' },
        { name: 'legacy', type: 'S', type_desc: 'SQL_USER', default_schema_name: 'dbo', authentication_type_desc: 'INSTANCE', login: null },
      ]);
      const builtIn = await src.request().query<{ name: string; principal_id: number; type: string }>(
        'SELECT name, principal_id, type FROM [Sales].sys.database_principals WHERE principal_id < 5 ORDER BY principal_id',
      );
      expect(builtIn.recordset.map((r) => `${r.principal_id}:${r.name}:${r.type}`)).toEqual(['0:public:R', '1:dbo:S', '2:guest:S', '3:INFORMATION_SCHEMA:S', '4:sys:S']);
      expect((await src.request().batch(`USE [Sales]; ${ORPHANS}`)).recordset).toEqual([{ name: 'legacy' }]);
      const legacy = await src.request().query<{ sid: Buffer }>("SELECT sid FROM Sales.sys.database_principals WHERE name = 'legacy'");
      expect(`0x${legacy.recordset[0].sid.toString('hex').toUpperCase()}`).toBe(LEGACY_SID);
    });

    it('logins of the same name on two instances have different SIDs; sa is 0x01 everywhere', async () => {
      const sidOf = async (name: string, login: string): Promise<string> => {
        const r = await (await pool(name)).request().input('l', sql.NVarChar, login).query<{ sid: Buffer; type_desc: string }>('SELECT sid, type_desc FROM sys.sql_logins WHERE name = @l');
        expect(r.recordset[0].type_desc).toBe('SQL_LOGIN');
        return r.recordset[0].sid.toString('hex');
      };
      expect(await sidOf('sql-src', 'app')).toHaveLength(32);
      expect(await sidOf('sql-src', 'app')).not.toBe(await sidOf('sql-dst', 'app'));
      expect(await sidOf('sql-src', 'sa')).toBe('01');
      expect(await sidOf('sql-dst', 'sa')).toBe('01');
      const viaFunction = await (await pool('sql-src')).request().query<{ name: string }>("SELECT SUSER_SNAME(SUSER_SID('app')) AS name");
      expect(viaFunction.recordset).toEqual([{ name: 'app' }]);
    });

    it('restored on another instance: consumes its free space, and the users whose logins have other SIDs there are orphaned', async () => {
      const dst = await pool('sql-dst');
      const before = Number((await volumes('sql-dst'))[0].available_bytes);
      await dst.request().batch(
        `RESTORE DATABASE [Sales] FROM URL = N'${container}/Sales.bak'
         WITH MOVE N'Sales' TO N'D:\\SQLData\\Sales.mdf', MOVE N'Sales_log' TO N'D:\\SQLData\\Sales_log.ldf'`,
      );
      const files = await dst.request().query<{ bytes: number }>("SELECT SUM(size) * 8192 AS bytes FROM sys.master_files WHERE database_id = DB_ID('Sales')");
      expect(files.recordset[0].bytes).toBeGreaterThanOrEqual(256 * MB);
      const after = Number((await volumes('sql-dst'))[0].available_bytes);
      expect(after).toBe(before - files.recordset[0].bytes);
      expect(running.find('sql-dst').instance.config.freeSpaceBytes).toBe(after);

      expect((await dst.request().batch(`USE [Sales]; ${ORPHANS}`)).recordset).toEqual([{ name: 'app' }, { name: 'legacy' }, { name: 'reports' }]);
      // the restored user keeps the source login's SID
      const sids = await dst.request().query<{ user_sid: Buffer; login_sid: Buffer }>(
        "SELECT dp.sid AS user_sid, SUSER_SID('app') AS login_sid FROM Sales.sys.database_principals dp WHERE dp.name = 'app'",
      );
      const src = await (await pool('sql-src')).request().query<{ sid: Buffer }>("SELECT sid FROM sys.server_principals WHERE name = 'app'");
      expect(sids.recordset[0].user_sid.equals(src.recordset[0].sid)).toBe(true);
      expect(sids.recordset[0].user_sid.equals(sids.recordset[0].login_sid)).toBe(false);

      // so the login (not sysadmin) cannot open the database: USE says 916, a login to it 4060
      const asApp = await openPool({ ...running.find('sql-dst'), user: 'app', password: PASSWORD });
      pools.set('sql-dst as app', asApp);
      expect(await failure(asApp.request().batch('USE [Sales]'))).toMatchObject({
        number: 916,
        class: 14,
        message: 'The server principal "app" is not able to access the database "Sales" under the current security context.',
      });
      await expect(openPool({ ...running.find('sql-dst'), user: 'app', password: PASSWORD }, { database: 'Sales' })).rejects.toMatchObject({
        code: 'ELOGIN',
        message: expect.stringContaining('Cannot open database "Sales" requested by the login. The login failed.'),
      });
    });

    it('ALTER USER ... WITH LOGIN re-maps an orphaned user to the login of the instance', async () => {
      const dst = await pool('sql-dst');
      await dst.request().batch('USE [Sales]; ALTER USER [app] WITH LOGIN = [app];');
      expect((await dst.request().batch(`USE [Sales]; ${ORPHANS}`)).recordset).toEqual([{ name: 'legacy' }, { name: 'reports' }]);
      const mapped = await dst.request().query<{ login: string }>(
        "SELECT sp.name AS login FROM Sales.sys.database_principals dp JOIN sys.server_principals sp ON sp.sid = dp.sid WHERE dp.name = 'app'",
      );
      expect(mapped.recordset).toEqual([{ login: 'app' }]);
      // the login opens the database again, as its user
      const asApp = pools.get('sql-dst as app');
      expect((await asApp?.request().batch('USE [Sales]; SELECT USER_NAME() AS u, DB_NAME() AS db;'))?.recordset).toEqual([{ u: 'app', db: 'Sales' }]);
    });

    it('re-maps in an Agent job step run in the database (@database_name), after CREATE LOGIN', async () => {
      const dst = await pool('sql-dst');
      await dst.request().batch(`CREATE LOGIN [reporting] WITH PASSWORD = N'${PASSWORD}', CHECK_POLICY = OFF;`);
      await dst.request().batch(`
        EXEC msdb.dbo.sp_add_job @job_name = N'remap reports';
        EXEC msdb.dbo.sp_add_jobstep @job_name = N'remap reports', @step_name = N'remap', @subsystem = N'TSQL',
          @command = N'ALTER USER [reports] WITH LOGIN = [reporting]', @database_name = N'Sales';
        EXEC msdb.dbo.sp_add_jobserver @job_name = N'remap reports';
        EXEC msdb.dbo.sp_start_job @job_name = N'remap reports';`);
      let history: { step_id: number; run_status: number }[] = [];
      for (let i = 0; i < 400 && !history.some((h) => h.step_id === 0); i++) {
        await new Promise((r) => setTimeout(r, 25));
        history = (
          await dst.request().query<{ step_id: number; run_status: number }>(
            "SELECT h.step_id, h.run_status FROM msdb.dbo.sysjobhistory h JOIN msdb.dbo.sysjobs j ON j.job_id = h.job_id WHERE j.name = N'remap reports' ORDER BY h.instance_id",
          )
        ).recordset;
      }
      expect(history).toEqual([
        { step_id: 1, run_status: 1 },
        { step_id: 0, run_status: 1 },
      ]);
      expect((await dst.request().batch(`USE [Sales]; ${ORPHANS}`)).recordset).toEqual([{ name: 'legacy' }]);
    });

    it('CREATE LOGIN WITH SID gives the source login\u2019s SID, which un-orphans the user without ALTER USER', async () => {
      const dst = await pool('sql-dst');
      await dst.request().batch(`CREATE LOGIN [legacy] WITH PASSWORD = N'${PASSWORD}', SID = ${LEGACY_SID}`);
      expect((await dst.request().batch(`USE [Sales]; ${ORPHANS}`)).recordset).toEqual([]);
      expect(await failure(dst.request().batch(`CREATE LOGIN [legacy2] WITH PASSWORD = N'${PASSWORD}', SID = ${LEGACY_SID}`))).toMatchObject({
        number: 15433,
        message: 'Supplied parameter sid is in use.',
      });
      expect(await failure(dst.request().batch(`CREATE LOGIN [legacy] WITH PASSWORD = N'${PASSWORD}'`))).toMatchObject({
        number: 15025,
        message: "The server principal 'legacy' already exists.",
      });
    });

    it('errors as SQL Server gives them: unknown user, unknown login, a login that already has a user', async () => {
      const dst = await pool('sql-dst');
      expect(await failure(dst.request().batch('USE [Sales]; ALTER USER [nobody] WITH LOGIN = [app];'))).toMatchObject({
        number: 15151,
        class: 16,
        message: "Cannot alter the user 'nobody', because it does not exist or you do not have permission.",
      });
      expect(await failure(dst.request().batch('USE [Sales]; ALTER USER [app] WITH LOGIN = [nologin];'))).toMatchObject({
        number: 15151,
        message: "Cannot alter the login 'nologin', because it does not exist or you do not have permission.",
      });
      expect(await failure(dst.request().batch('USE [Sales]; CREATE USER [app2] FOR LOGIN [app];'))).toMatchObject({
        number: 15063,
        message: 'The login already has an account under a different user name.',
      });
      expect(await failure(dst.request().batch('USE [Sales]; CREATE USER [app] FOR LOGIN [app];'))).toMatchObject({
        number: 15023,
        message: "User, group, or role 'app' already exists in the current database.",
      });
      expect(await failure(dst.request().batch('USE [Sales]; CREATE USER [ghost] FOR LOGIN [ghost];'))).toMatchObject({
        number: 15007,
        message: "'ghost' is not a valid login or you do not have permission.",
      });
      expect(await failure(dst.request().batch('USE [Sales]; DROP USER [ghost];'))).toMatchObject({
        number: 15151,
        message: "Cannot drop the user 'ghost', because it does not exist or you do not have permission.",
      });
      expect(await failure(dst.request().batch('USE [Sales]; ALTER USER [dbo] WITH LOGIN = [app];'))).toMatchObject({ number: 15150, message: "Cannot alter the user 'dbo'." });
      expect(await failure(dst.request().batch('DROP LOGIN [ghost]'))).toMatchObject({
        number: 15151,
        message: "Cannot drop the login 'ghost', because it does not exist or you do not have permission.",
      });
    });

    it('CREATE USER FOR LOGIN and DROP USER in a database, WITHOUT LOGIN users cannot be re-mapped', async () => {
      const dst = await pool('sql-dst');
      await dst.request().batch(`CREATE LOGIN [etl] WITH PASSWORD = N'${PASSWORD}'; USE [Sales]; CREATE USER [etl] FOR LOGIN [etl] WITH DEFAULT_SCHEMA = [staging]; CREATE USER [noone] WITHOUT LOGIN;`);
      const rows = await dst.request().query<{ name: string; default_schema_name: string; authentication_type_desc: string; same: number }>(
        `SELECT dp.name, dp.default_schema_name, dp.authentication_type_desc, CASE WHEN dp.sid = SUSER_SID('etl') THEN 1 ELSE 0 END AS same
         FROM Sales.sys.database_principals dp WHERE dp.name IN ('etl', 'noone') ORDER BY dp.name`,
      );
      expect(rows.recordset).toEqual([
        { name: 'etl', default_schema_name: 'staging', authentication_type_desc: 'INSTANCE', same: 1 },
        { name: 'noone', default_schema_name: 'dbo', authentication_type_desc: 'NONE', same: 0 },
      ]);
      expect(await failure(dst.request().batch('USE [Sales]; ALTER USER [noone] WITH LOGIN = [etl];'))).toMatchObject({ number: 33016 });
      await dst.request().batch('USE [Sales]; DROP USER [noone]; DROP USER IF EXISTS [noone]; DROP USER [etl];');
      expect((await dst.request().query("SELECT name FROM Sales.sys.database_principals WHERE name IN ('etl', 'noone')")).recordset).toEqual([]);
    });
  });
});
