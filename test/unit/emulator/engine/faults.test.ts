import { validateFault } from '../../../../emulator/engine/faults';
import { connect, errors, firstRows, fixture, PASSWORD, run } from './fixtures';

describe('failure injection', () => {
  it('transient errors strike the next K statements with SQL Server text, then stop', async () => {
    const f = fixture();
    const s = await connect(f, f.sql, 'Sales');
    f.sql.injectFault({ kind: 'transientErrors', count: 2 });
    const first = await run(s, "SELECT 1 AS a; PRINT 'not reached'");
    expect(errors(first)).toEqual([
      expect.objectContaining({
        number: 40613,
        message: expect.stringMatching(/^Database 'Sales' on server 'sql-onprem' is not currently available\. Please retry the connection later\./),
      }),
    ]);
    expect(errors(await run(s, 'SELECT 1 AS a'))[0].number).toBe(40613);
    expect(firstRows(await run(s, 'SELECT 1 AS a'))).toEqual([{ a: 1 }]);
    expect(f.sql.faultSwitches.list()).toEqual([]);
  });

  it('a deadlock victim gets 1205 with its spid', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    f.sql.injectFault({ kind: 'transientErrors', count: 1, errorNumber: 1205 });
    expect(errors(await run(s, 'SELECT 1 AS a'))).toEqual([
      expect.objectContaining({ number: 1205, class: 13, message: expect.stringContaining(`Transaction (Process ID ${s.spid}) was deadlocked`) }),
    ]);
  });

  it('socket resets answer with resetConnection and end the session', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    f.sql.injectFault({ kind: 'socketResets', count: 1 });
    expect(await run(s, 'SELECT 1 AS a')).toEqual([{ type: 'resetConnection' }]);
    const again = await connect(f, f.sql);
    expect(firstRows(await run(again, 'SELECT 1 AS a'))).toEqual([{ a: 1 }]);
  });

  it('refused logins fail with 18456 or the chosen error', async () => {
    const f = fixture();
    f.sql.injectFault({ kind: 'refuseLogins' });
    const login = { userName: 'sa', password: PASSWORD, database: 'master', appName: 'a', hostName: 'h', serverName: 's' };
    expect(await f.endpoint(f.sql).login(login)).toEqual({ ok: false, error: expect.objectContaining({ number: 18456, class: 14, message: "Login failed for user 'sa'." }) });
    f.sql.injectFault({ kind: 'refuseLogins', errorNumber: 40613 });
    expect(await f.endpoint(f.sql).login(login)).toEqual({ ok: false, error: expect.objectContaining({ number: 40613 }) });
    f.sql.removeFault('refuseLogins');
    expect((await f.endpoint(f.sql).login(login)).ok).toBe(true);
  });

  it('instance down refuses connections and resets the open ones until cleared', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    const endpoint = f.endpoint(f.sql);
    expect(endpoint.acceptConnections()).toBe(true);
    f.sql.injectFault({ kind: 'instanceDown' });
    expect(endpoint.acceptConnections()).toBe(false);
    expect(await run(s, 'SELECT 1 AS a')).toEqual([{ type: 'resetConnection' }]);
    f.sql.clearFaults();
    expect(endpoint.acceptConnections()).toBe(true);
  });

  it('restore faults reach emulator/backup through the host; disk full leaves no free space', () => {
    const f = fixture();
    const before = f.sql.config.freeSpaceBytes;
    f.sql.injectFault({ kind: 'restoreFailAtPercent', percent: 40 });
    f.sql.injectFault({ kind: 'diskFull' });
    expect(f.sql.faults()).toEqual({ restoreFailAtPercent: 40, diskFull: true });
    expect(f.sql.config.freeSpaceBytes).toBe(0);
    f.sql.clearFaults();
    expect(f.sql.faults()).toEqual({ restoreFailAtPercent: undefined, diskFull: false });
    expect(f.sql.config.freeSpaceBytes).toBe(before);
  });

  it('disk full makes CREATE DATABASE fail with 5149 and 1802, leaving no database behind', async () => {
    const f = fixture();
    const s = await connect(f, f.sql);
    f.sql.injectFault({ kind: 'diskFull' });
    expect(errors(await run(s, 'CREATE DATABASE NoRoom')).map((m) => m.number)).toEqual([5149, 1802]);
    expect(f.sql.findDatabase('NoRoom')).toBeUndefined();
    f.sql.removeFault('diskFull');
    expect(errors(await run(s, 'CREATE DATABASE NoRoom'))).toEqual([]);
  });

  it('validates faults that come from JSON, naming the bad field', () => {
    expect(() => validateFault({ kind: 'meteor' })).toThrow(/kind" must be one of/);
    expect(() => validateFault({ kind: 'transientErrors', count: 0 })).toThrow('transientErrors: "count" must be an integer >= 1');
    expect(() => validateFault({ kind: 'restoreFailAtPercent', percent: 101 })).toThrow(/percent/);
    expect(() => validateFault({ kind: 'socketResets', count: 3 })).not.toThrow();
  });
});
