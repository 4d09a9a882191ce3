// Logins, database users and the volume kept in the state file: after a restart the logins have the
// SIDs and principal_ids they had (a login created at runtime too, one dropped at runtime stays
// dropped), the databases their users, and the volume the same free space.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sql from 'mssql';
import { defaultServices } from '../../../emulator/engine/defaultServices';
import type { Estate } from '../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../emulator/engine/estateServer';
import { openPool } from '../../helpers/emulatorPool';
import { sqlServer, userLogin } from '../../helpers/emulatorEstate';

jest.setTimeout(60_000);

const PASSWORD = 'Local-Only-Test-Password-8';

function estate(): Estate {
  return {
    instances: [
      sqlServer('sql-a', PASSWORD, {
        freeSpaceGB: 20,
        logins: [userLogin('app', PASSWORD), userLogin('old', PASSWORD, { sid: '0x00112233445566778899AABBCCDDEEFF' })],
        databases: [{ name: 'Sales', sizeMB: 128, users: [{ name: 'app' }, { name: 'old' }] }],
      }),
    ],
  };
}

interface LoginRow {
  name: string;
  principal_id: number;
  sid: Buffer;
}

describe('logins, users and free space across a restart', () => {
  const running: RunningEstate[] = [];
  const pools: sql.ConnectionPool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    for (const e of running) await e.stop();
  });

  const snapshot = async (p: sql.ConnectionPool) => ({
    logins: (await p.request().query<LoginRow>("SELECT name, principal_id, sid FROM sys.server_principals WHERE type = 'S' ORDER BY name")).recordset.map(
      (r) => `${r.name}:${r.principal_id}:${r.sid.toString('hex')}`,
    ),
    users: (
      await p.request().query<{ db: string; name: string; sid: Buffer }>(
        `SELECT 'Sales' AS db, name, sid FROM Sales.sys.database_principals WHERE principal_id BETWEEN 5 AND 16383
         UNION ALL SELECT 'Made', name, sid FROM Made.sys.database_principals WHERE principal_id BETWEEN 5 AND 16383 ORDER BY db, name`,
      )
    ).recordset.map((r) => `${r.db}.${r.name}:${r.sid.toString('hex')}`),
    available: (await p.request().query<{ available_bytes: string }>('SELECT DISTINCT vs.available_bytes FROM sys.master_files f CROSS APPLY sys.dm_os_volume_stats(f.database_id, f.file_id) vs')).recordset,
  });

  it('keeps what was created and dropped at runtime', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'volume-users-')), 'state.json');
    const first = await startEstate(estate(), { services: defaultServices(), stateFile: file, saveIntervalMs: 50 });
    running.push(first);
    const p = await openPool(first.find('sql-a'));
    pools.push(p);
    await p.request().batch(`CREATE LOGIN [extra] WITH PASSWORD = N'${PASSWORD}'; CREATE DATABASE Made;`);
    await p.request().batch('USE Made; CREATE USER [extra] FOR LOGIN [extra]; CREATE USER [app];');
    await p.request().batch('DROP LOGIN [old];');
    const before = await snapshot(p);
    expect(before.logins.map((l) => l.split(':')[0])).toEqual(['app', 'extra', 'sa']);
    expect(before.users.map((u) => u.split(':')[0])).toEqual(['Made.app', 'Made.extra', 'Sales.app', 'Sales.old']);
    await p.close();
    pools.pop();
    await first.stop();

    const second = await startEstate(estate(), { services: defaultServices(), stateFile: file, saveIntervalMs: 50 });
    running.push(second);
    const q = await openPool(second.find('sql-a'));
    pools.push(q);
    expect(await snapshot(q)).toEqual(before);
    // the login created at runtime still logs in with its password
    const extra = await openPool({ ...second.find('sql-a'), user: 'extra', password: PASSWORD });
    pools.push(extra);
    expect((await extra.request().query<{ n: string }>('SELECT SUSER_SNAME() AS n')).recordset).toEqual([{ n: 'extra' }]);
  });
});
