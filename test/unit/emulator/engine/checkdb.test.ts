// DBCC CHECKDB in simulated time, without TCP: its duration, its sys.dm_exec_requests row, what
// stops it (ATTENTION, KILL, the database going away), and the checkdbFailAtPercent fault.
import { validateFault } from '../../../../emulator/engine/faults';
import type { EmulatedInstance } from '../../../../emulator/engine/instance';
import type { ActiveRequest } from '../../../../emulator/engine/model';
import { connect, errors, fixture, infos, messages, run } from './fixtures';

const MB = 1024 * 1024;

/** polls `probe` until it returns a value, failing after `timeoutMs` of real time */
async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const checkRow = (inst: EmulatedInstance, minPercent = 1): ActiveRequest | undefined =>
  inst.activeRequests().find((r) => r.command === 'DBCC TABLE CHECK' && r.percentComplete >= minPercent);

describe('DBCC CHECKDB in simulated time', () => {
  it('takes the data files\' size at the instance throughput, visible as a DBCC TABLE CHECK request', async () => {
    // 60 000 MB at 200 MB/s: 300 simulated seconds, 0.3 s of real time at speed 1000
    const f = fixture(undefined, 1000);
    const db = f.sql.createDatabase('Big', { dataSizeBytes: 60000 * MB });
    const s = await connect(f, f.sql);
    const startedAt = f.clock.now().getTime();
    const running = run(s, "DBCC CHECKDB('Big') WITH NO_INFOMSGS");
    const row = await until('the check to progress', () => checkRow(f.sql));
    expect(row).toMatchObject({ sessionId: s.spid, databaseName: 'Big', status: 'running' });
    expect(row.estimatedCompletionTime).toBeLessThanOrEqual(300000);
    expect(f.sql.session(s.spid)?.currentStatement()).toBeDefined();
    const out = await running;
    const elapsed = f.clock.now().getTime() - startedAt;
    expect(errors(out)).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(300000);
    expect(elapsed).toBeLessThan(400000);
    expect(f.sql.activeRequests()).toEqual([]);
    expect(db.state).toBe('ONLINE');
  });

  it('a small database is quick even at clock speed 1', async () => {
    // Sales: 9 MB estimated from its rows, about 45 ms at 200 MB/s
    const f = fixture(undefined, 1);
    const s = await connect(f, f.sql);
    const started = Date.now();
    const out = await run(s, "DBCC CHECKDB('Sales')");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(infos(out).map((m) => m.number)).toEqual(expect.arrayContaining([8989, 2528]));
  });

  it('ATTENTION stops it and the session stays usable; KILL ends the session', async () => {
    const f = fixture(undefined, 1000);
    f.sql.createDatabase('Big', { dataSizeBytes: 600000 * MB });
    const s = await connect(f, f.sql);
    const attention = new AbortController();
    const cancelled = run(s, "DBCC CHECKDB('Big')", attention.signal);
    await until('the check to progress', () => checkRow(f.sql));
    attention.abort();
    expect(messages(await cancelled)).toEqual([]);
    expect(f.sql.activeRequests()).toEqual([]);
    expect(errors(await run(s, "DBCC CHECKDB('Sales') WITH NO_INFOMSGS"))).toEqual([]);

    const killer = await connect(f, f.sql);
    const killed = run(s, "DBCC CHECKDB('Big')");
    await until('the check to progress', () => checkRow(f.sql));
    expect(errors(await run(killer, `KILL ${s.spid}`))).toEqual([]);
    // KILL: the running request fails with 596 and the server closes the connection after it
    expect(await killed).toEqual([
      { type: 'message', message: { number: 596, state: 1, class: 21, message: 'Cannot continue the execution because the session is in the kill state.' } },
      { type: 'statementDone', error: true },
      { type: 'endConnection' },
    ]);
    expect(f.sql.activeRequests()).toEqual([]);
  });

  it('holds its database: DROP gets 3702, SET OFFLINE 5061, and ROLLBACK IMMEDIATE kills the check', async () => {
    const f = fixture(undefined, 1000);
    f.sql.createDatabase('Big', { dataSizeBytes: 600000 * MB });
    const s = await connect(f, f.sql);
    const admin = await connect(f, f.sql);
    const running = run(s, "DBCC CHECKDB('Big')");
    await until('the check to progress', () => checkRow(f.sql));
    expect(errors(await run(admin, 'DROP DATABASE Big'))).toEqual([expect.objectContaining({ number: 3702 })]);
    expect(errors(await run(admin, 'ALTER DATABASE Big SET OFFLINE')).map((m) => m.number)).toEqual([5061, 5069]);
    expect(errors(await run(admin, 'ALTER DATABASE Big SET OFFLINE WITH ROLLBACK IMMEDIATE'))).toEqual([]);
    expect(await running).toEqual([
      { type: 'message', message: { number: 596, state: 1, class: 21, message: 'Cannot continue the execution because the session is in the kill state.' } },
      { type: 'statementDone', error: true },
      { type: 'endConnection' },
    ]);
    expect(f.sql.findDatabase('Big')?.state).toBe('OFFLINE');
  });

  it('ends with 2520 when the database disappears under it, 942 when it goes offline without killing it', async () => {
    const f = fixture(undefined, 1000);
    f.sql.createDatabase('Gone', { dataSizeBytes: 600000 * MB });
    const dark = f.sql.createDatabase('Dark', { dataSizeBytes: 600000 * MB });
    const s = await connect(f, f.sql);
    const running = run(s, "DBCC CHECKDB('Gone')");
    await until('the check to progress', () => checkRow(f.sql));
    // as an ARM delete of a managed database does: no session is killed
    f.sql.removeDatabase('Gone');
    expect(errors(await running)).toEqual([expect.objectContaining({ number: 2520, class: 16, message: expect.stringContaining("Could not find database 'Gone'") })]);

    const offline = run(s, "DBCC CHECKDB('Dark')");
    await until('the check to progress', () => checkRow(f.sql));
    dark.state = 'OFFLINE';
    expect(errors(await offline)).toEqual([expect.objectContaining({ number: 942, class: 14 })]);
    expect(f.sql.activeRequests()).toEqual([]);
  });

  it('checkdbFailAtPercent ends it at that percent with 8939 / 8928 and the summaries', async () => {
    const f = fixture(undefined, 1000);
    // 20 000 MB: 100 simulated seconds; the fault strikes at 40 %, after 40 s
    f.sql.createDatabase('Big', { dataSizeBytes: 20000 * MB, tables: [{ schema: 'dbo', name: 'Facts', rowCount: 1000 }, { schema: 'stage', name: 'Loads', rowCount: 3000 }] });
    f.sql.injectFault({ kind: 'checkdbFailAtPercent', percent: 40 });
    const s = await connect(f, f.sql);
    const startedAt = f.clock.now().getTime();
    const quiet = await run(s, "DBCC CHECKDB('Big') WITH NO_INFOMSGS");
    const elapsed = f.clock.now().getTime() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(39000);
    expect(elapsed).toBeLessThan(70000);
    // 40 % of the rows is in stage.Loads (the first 25 % are dbo.Facts); page 40 % into the 2 560 000 pages
    expect(messages(quiet)).toEqual([
      {
        number: 8939,
        state: 98,
        class: 16,
        message: expect.stringMatching(
          /^Table error: Object ID \d+, index ID 1, partition ID \d+, alloc unit ID \d+ \(type In-row data\), page \(1:1024000\)\. Test \(IS_OFF \(BUF_IOERR, pBUF->bstat\)\) failed\. Values are 133129 and -4\.$/,
        ),
      },
      { number: 8928, state: 1, class: 16, message: expect.stringMatching(/^Object ID \d+, .*\(type In-row data\): Page \(1:1024000\) could not be processed\. {2}See other errors for details\.$/) },
      { number: 8990, state: 1, class: 0, message: expect.stringMatching(/^CHECKDB found 0 allocation errors and 2 consistency errors in table 'stage\.Loads' \(object ID \d+\)\.$/) },
      { number: 8989, state: 1, class: 0, message: "CHECKDB found 0 allocation errors and 2 consistency errors in database 'Big'." },
      { number: 8958, state: 1, class: 0, message: 'repair_allow_data_loss is the minimum repair level for the errors found by DBCC CHECKDB (Big).' },
    ]);
    // the statement fails: its DONE carries the error bit and @@ERROR the last error
    expect(quiet.filter((o) => o.type === 'statementDone')).toEqual([{ type: 'statementDone', error: true }]);

    const full = await run(s, "DBCC CHECKDB('Big')");
    expect(messages(full).map((m) => m.number)).toEqual([2536, 8997, 2593, 8939, 8928, 2593, 8990, 8989, 8958, 2528]);
    f.sql.removeFault('checkdbFailAtPercent');
    expect(errors(await run(s, "DBCC CHECKDB('Big') WITH NO_INFOMSGS"))).toEqual([]);
  });

  it('validates the fault like restoreFailAtPercent', () => {
    expect(() => validateFault({ kind: 'checkdbFailAtPercent', percent: 50 })).not.toThrow();
    expect(() => validateFault({ kind: 'checkdbFailAtPercent', percent: 101 })).toThrow('checkdbFailAtPercent: "percent" must be a number from 0 to 100');
    expect(() => validateFault({ kind: 'checkdbFailAtPercent' })).toThrow(/percent/);
  });
});
