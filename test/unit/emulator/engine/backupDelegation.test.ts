// How the engine hands BACKUP / RESTORE to emulator/backup: the host and statement context it
// passes, the signal that aborts a SQL Server restore when its session goes, and the refusals the
// engine makes itself.
import type { BackupHost, StatementContext } from '../../../../emulator/backup/host';
import type { BackupRunner, RestoreStatement } from '../../../../emulator/engine/services';
import type { RequestOutput } from '../../../../emulator/tds/types';
import { miniLanguage } from './miniLanguage';
import { connect, errors, fixture, run } from './fixtures';

class FakeRunner implements BackupRunner {
  seen: { host: BackupHost; ctx: StatementContext; database: unknown }[] = [];
  aborted = false;

  async *backup(): AsyncGenerator<RequestOutput> {
    yield { type: 'message', message: { number: 3014, state: 1, class: 0, message: 'BACKUP DATABASE successfully processed 0 pages.' } };
  }

  async *restore(host: BackupHost, ctx: StatementContext, stmt: RestoreStatement): AsyncGenerator<RequestOutput> {
    this.seen.push({ host, ctx, database: stmt.database ? ctx.evaluate(stmt.database) : undefined });
    const remove = host.registerRequest({
      sessionId: ctx.spid,
      requestId: 0,
      command: 'RESTORE DATABASE',
      databaseName: 'Target',
      startTime: host.now(),
      status: 'running',
      percentComplete: 10,
      estimatedCompletionTime: 60000,
    });
    try {
      yield { type: 'message', message: { number: 3211, state: 1, class: 0, message: '10 percent processed.' } };
      await host.sleep(3_600_000, ctx.abortSignal);
    } catch (e) {
      this.aborted = ctx.abortSignal.aborted;
      throw e;
    } finally {
      remove();
    }
  }
}

describe('BACKUP / RESTORE delegation', () => {
  it('passes the instance as host, the spid and an evaluator; the session closing aborts the restore', async () => {
    const runner = new FakeRunner();
    const f = fixture({ language: miniLanguage, backup: runner });
    const s = await connect(f, f.sql);
    const pending = run(s, "DECLARE @db sysname = N'Target'; RESTORE DATABASE @db FROM URL = N'https://a/b/c.bak'");
    await new Promise((r) => setTimeout(r, 10));
    expect(runner.seen).toHaveLength(1);
    expect(runner.seen[0]).toMatchObject({ host: f.sql, database: 'Target' });
    expect(runner.seen[0].ctx.spid).toBe(s.spid);
    const observer = await connect(f, f.sql);
    const rows = await run(observer, "SELECT session_id, percent_complete FROM sys.dm_exec_requests WHERE command = 'RESTORE DATABASE'");
    expect(rows.find((o) => o.type === 'resultSet')).toMatchObject({ resultSet: { rows: [[s.spid, 10]] } });
    s.close();
    const out = await pending;
    expect(runner.aborted).toBe(true);
    expect(out.filter((o) => o.type === 'message').map((o) => (o.type === 'message' ? o.message.number : 0))).toEqual([3211]);
    expect(f.sql.activeRequests()).toEqual([]);
  });

  it('refuses BACKUP / RESTORE inside a transaction with 3021 then 3013', async () => {
    const f = fixture({ language: miniLanguage, backup: new FakeRunner() });
    const s = await connect(f, f.sql);
    const out = await run(s, "BEGIN TRAN; BACKUP DATABASE Sales TO URL = N'https://a/b/c.bak'");
    expect(errors(out).map((m) => m.number)).toEqual([3021, 3013]);
  });

  it('without emulator/backup wired in, BACKUP is refused with a clear message', async () => {
    const f = fixture({ language: miniLanguage });
    const s = await connect(f, f.sql);
    const out = await run(s, "BACKUP DATABASE Sales TO URL = N'https://a/b/c.bak'");
    expect(errors(out)).toEqual([
      expect.objectContaining({ number: 40517, message: "Keyword or statement option 'BACKUP DATABASE' is not supported in this version of SQL Server." }),
      expect.objectContaining({ number: 3013, message: 'BACKUP DATABASE is terminating abnormally.' }),
    ]);
  });
});
