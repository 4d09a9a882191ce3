// The emulated estate kept in a state file: saved, stopped, started again from the file, it has the
// same databases, Agent jobs and history, msdb backup/restore history, credentials (the secret
// too: a BACKUP TO URL works with it) and link; what ran at the stop ends as a restart ends it
// (a RESTORE's database stays RESTORING, its Agent run has no outcome, a managed instance's restore
// is reported failed); time and LSNs go on forward; a corrupt or partial file is reported and
// ignored. Talks to the instances over TDS with mssql, as the app does.
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sql from 'mssql';
import { BlobServiceClient } from '@azure/storage-blob';
import { defaultServices } from '../../../emulator/engine/defaultServices';
import type { Estate } from '../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../emulator/engine/estateServer';
import { azuriteAccountSas, startAzurite, type AzuriteInstance } from '../../helpers/azurite';
import { openPool } from '../../helpers/emulatorPool';
import { managedInstance, sqlServer } from '../../helpers/emulatorEstate';

const PASSWORD = 'Local-Only-Test-Password-7';

function estateFile(): Estate {
  return {
    clockSpeed: 50,
    instances: [
      sqlServer('sql-onprem', PASSWORD, {
        databases: [
          { name: 'Sales', recoveryModel: 'FULL', workloadTps: 20, tables: [{ name: 'Orders', rows: 1500 }] },
          // backed up in 2 minutes of simulated time (2.4 s real); restored on the slow instances in 40
          { name: 'Big', recoveryModel: 'SIMPLE', sizeMB: 24000, tables: [{ name: 'Facts', rows: 5000000 }] },
        ],
      }),
      // slow: a restore there is still running when the estate stops
      sqlServer('sql-dev', PASSWORD, { throughputMBps: 10 }),
      managedInstance('mi-prod', PASSWORD, { throughputMBps: 10, databases: [{ name: 'Sales', recoveryModel: 'FULL', tables: [{ name: 'Orders', rows: 1500 }] }] }),
    ],
    links: [{ name: 'Link_Sales', sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Sales' }, managedInstance: { instance: 'mi-prod' }, databases: ['Sales'] }],
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the emulated estate kept in a state file', () => {
  let azurite: AzuriteInstance;
  let container: string;
  const pools: sql.ConnectionPool[] = [];
  const running: RunningEstate[] = [];
  const start = async (file: string, estate: Estate = estateFile(), log: string[] = []): Promise<RunningEstate> => {
    const e = await startEstate(estate, { services: defaultServices(), stateFile: file, saveIntervalMs: 50, log: (l) => log.push(l) });
    running.push(e);
    return e;
  };
  const pool = async (estate: RunningEstate, name: string): Promise<sql.ConnectionPool> => {
    const p = await openPool(estate.find(name), { requestTimeout: 0 });
    pools.push(p);
    return p;
  };
  const closePools = async (): Promise<void> => {
    await Promise.all(pools.splice(0).map((p) => p.close().catch(() => undefined)));
  };

  beforeAll(async () => {
    azurite = await startAzurite();
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('backups').createIfNotExists();
    container = `${azurite.blobEndpoint}/backups`;
  });

  afterAll(async () => {
    await closePools();
    for (const e of running) await e.stop().catch(() => undefined);
    await azurite?.stop();
  });

  it('comes back with its databases, jobs, history, credentials and link; what ran at the stop ends as a restart ends it', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'estate-state-')), 'state.json');
    const first = await start(file);
    expect(first.persistence?.loaded).toBe('fresh');
    const onprem = await pool(first, 'sql-onprem');
    const dev = await pool(first, 'sql-dev');
    const mi = await pool(first, 'mi-prod');
    const sas = azuriteAccountSas('rwdlc');
    for (const p of [onprem, dev, mi]) await p.request().batch(`CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas}'`);

    // finished work: a backup, a restore under a new name, an Agent job that ran to the end
    await onprem.request().batch(`BACKUP DATABASE [Sales] TO URL = N'${container}/Sales.bak' WITH FORMAT`);
    await onprem.request().batch(`RESTORE DATABASE [Sales_copy] FROM URL = N'${container}/Sales.bak' WITH MOVE N'Sales' TO N'/var/opt/mssql/data/Sales_copy.mdf', MOVE N'Sales_log' TO N'/var/opt/mssql/data/Sales_copy_log.ldf'`);
    await onprem.request().batch(`EXEC msdb.dbo.sp_add_job @job_name = N'quick';
      EXEC msdb.dbo.sp_add_jobstep @job_name = N'quick', @step_name = N'one', @subsystem = N'TSQL', @command = N'SELECT 1', @database_name = N'master';
      EXEC msdb.dbo.sp_add_jobserver @job_name = N'quick';
      EXEC msdb.dbo.sp_start_job @job_name = N'quick';`);
    await until('the quick job to finish', async () => ((await onprem.request().query("SELECT COUNT(*) AS n FROM msdb.dbo.sysjobhistory h JOIN msdb.dbo.sysjobs j ON j.job_id = h.job_id WHERE j.name = 'quick' AND h.step_id = 0")).recordset[0].n > 0 ? true : undefined));

    // work still running at the stop: an Agent RESTORE on SQL Server, a RESTORE on the managed instance
    await onprem.request().batch(`BACKUP DATABASE [Big] TO URL = N'${container}/Big.bak' WITH FORMAT`);
    const restoreBig = `RESTORE DATABASE [Big_copy] FROM URL = N''${container}/Big.bak'' WITH MOVE N''Big'' TO N''/var/opt/mssql/data/Big_copy.mdf'', MOVE N''Big_log'' TO N''/var/opt/mssql/data/Big_copy_log.ldf''`;
    await dev.request().batch(`EXEC msdb.dbo.sp_add_job @job_name = N'restore Big_copy';
      EXEC msdb.dbo.sp_add_jobstep @job_name = N'restore Big_copy', @step_name = N'restore', @subsystem = N'TSQL', @command = N'${restoreBig}', @database_name = N'master';
      EXEC msdb.dbo.sp_add_jobserver @job_name = N'restore Big_copy';
      EXEC msdb.dbo.sp_start_job @job_name = N'restore Big_copy';`);
    // a managed instance's restore goes on without its client: the request is cancelled once it started
    const miRestore = mi.request();
    const miDone = miRestore.batch(`RESTORE DATABASE [Big_mi] FROM URL = N'${container}/Big.bak'`).catch(() => undefined);
    await until('both restores to be under way', async () => {
      const a = await dev.request().query("SELECT percent_complete FROM sys.dm_exec_requests WHERE command = 'RESTORE DATABASE'");
      const b = await mi.request().query('SELECT percent_complete FROM sys.dm_operation_status WHERE state = 1');
      return a.recordset[0]?.percent_complete > 0 && b.recordset.length > 0 ? true : undefined;
    });
    miRestore.cancel();
    await miDone;
    const link = first.links.links()[0];
    link.setPartitioned(true, first.clock.now());
    const groupId = link.groupId;
    const salesLsn = first.find('sql-onprem').instance.findDatabase('Sales')?.lastLsn ?? 0n;
    const credentialId = first.find('sql-onprem').instance.findCredentialByName(container)?.credentialId;
    const lastHistoryId = Math.max(...first.find('sql-onprem').instance.jobs.flatMap((j) => j.history.map((h) => h.instanceId)));
    expect(first.find('sql-dev').instance.findDatabase('Big_copy')?.state).toBe('RESTORING');
    await closePools();
    const stoppedAt = first.clock.now().getTime();
    await first.stop();

    // readable by the user only: it holds the SAS
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('"$bigint"');

    const log: string[] = [];
    const second = await start(file, estateFile(), log);
    expect(second.persistence?.loaded).toBe('restored');
    expect(log).toEqual([expect.stringMatching(/^emulator state: restored sql-onprem, sql-dev, mi-prod from .*state\.json \(saved \d+ s ago\)$/)]);
    expect(second.clock.now().getTime()).toBeGreaterThanOrEqual(stoppedAt);
    const onprem2 = await pool(second, 'sql-onprem');
    const dev2 = await pool(second, 'sql-dev');
    const mi2 = await pool(second, 'mi-prod');

    const dbs = await onprem2.request().query("SELECT name, state_desc FROM sys.databases WHERE database_id > 4 ORDER BY name");
    expect(dbs.recordset).toEqual([
      { name: 'Big', state_desc: 'ONLINE' },
      { name: 'Sales', state_desc: 'ONLINE' },
      { name: 'Sales_copy', state_desc: 'ONLINE' },
    ]);
    const devDbs = await dev2.request().query("SELECT name, state_desc FROM sys.databases WHERE database_id > 4 ORDER BY name");
    expect(devDbs.recordset).toEqual([{ name: 'Big_copy', state_desc: 'RESTORING' }]);
    const files = await onprem2.request().query("SELECT physical_name FROM sys.master_files WHERE database_id = DB_ID('Sales_copy') ORDER BY file_id");
    expect(files.recordset.map((r: { physical_name: string }) => r.physical_name)).toEqual(['/var/opt/mssql/data/Sales_copy.mdf', '/var/opt/mssql/data/Sales_copy_log.ldf']);
    const rows = await onprem2.request().query('SELECT COUNT(*) AS n FROM Sales_copy.dbo.Orders');
    expect(rows.recordset[0].n).toBe(1500);
    // the interrupted full restore left no chain to recover, as on SQL Server
    await expect(dev2.request().batch('RESTORE DATABASE [Big_copy] WITH RECOVERY')).rejects.toMatchObject({ number: 3013, precedingErrors: [expect.objectContaining({ number: 4333 })] });
    // nothing runs any more
    expect((await dev2.request().query("SELECT COUNT(*) AS n FROM sys.dm_exec_requests WHERE command LIKE 'RESTORE%'")).recordset[0].n).toBe(0);

    // msdb
    const history = await onprem2.request().query("SELECT destination_database_name FROM msdb.dbo.restorehistory ORDER BY restore_history_id");
    expect(history.recordset.map((r: { destination_database_name: string }) => r.destination_database_name)).toEqual(['Sales_copy']);
    const sets = await onprem2.request().query("SELECT database_name, type FROM msdb.dbo.backupset ORDER BY backup_set_id");
    expect(sets.recordset).toEqual([
      { database_name: 'Sales', type: 'D' },
      { database_name: 'Big', type: 'D' },
    ]);
    const jobs = await onprem2.request().query(`SELECT j.name, h.step_id, h.run_status FROM msdb.dbo.sysjobs j LEFT JOIN msdb.dbo.sysjobhistory h ON h.job_id = j.job_id ORDER BY j.name, h.instance_id`);
    expect(jobs.recordset).toEqual([
      { name: 'quick', step_id: 1, run_status: 1 },
      { name: 'quick', step_id: 0, run_status: 1 },
    ]);
    // the run cut off by the restart wrote no history
    const devJobs = await dev2.request().query(`SELECT j.name, h.step_id, h.run_status FROM msdb.dbo.sysjobs j LEFT JOIN msdb.dbo.sysjobhistory h ON h.job_id = j.job_id`);
    expect(devJobs.recordset).toEqual([{ name: 'restore Big_copy', step_id: null, run_status: null }]);
    const activity = await dev2.request().query(
      "SELECT a.session_id, a.start_execution_date, a.stop_execution_date FROM msdb.dbo.sysjobactivity a JOIN msdb.dbo.sysjobs j ON j.job_id = a.job_id WHERE j.name = 'restore Big_copy' ORDER BY a.session_id",
    );
    // its old Agent session's row: started, never stopped; the new session's row: not started
    expect(activity.recordset.map((r: { session_id: number; start_execution_date: Date | null; stop_execution_date: Date | null }) => [r.session_id, r.start_execution_date !== null, r.stop_execution_date !== null])).toEqual([
      [1, true, false],
      [2, false, false],
    ]);
    expect((await dev2.request().query('SELECT MAX(session_id) AS s FROM msdb.dbo.syssessions')).recordset[0].s).toBe(2);
    // ids go on
    const next = second.find('sql-onprem').instance;
    expect(next.nextJobHistoryId()).toBe(lastHistoryId + 1);

    // the credential kept its secret: a backup to the container works with it
    const creds = await onprem2.request().query('SELECT credential_id, name FROM sys.credentials');
    expect(creds.recordset).toEqual([{ credential_id: credentialId, name: container }]);
    await onprem2.request().batch(`BACKUP DATABASE [Sales] TO URL = N'${container}/Sales_again.bak' WITH FORMAT`);

    // the managed instance's interrupted restore failed, and its GUID-named database is gone
    const ops = await mi2.request().query('SELECT major_resource_id, state, error_code FROM sys.dm_operation_status');
    expect(ops.recordset).toEqual([{ major_resource_id: 'Big_mi', state: 3, error_code: 3204 }]);
    const miDbs = await mi2.request().query('SELECT name FROM sys.databases WHERE database_id > 4 ORDER BY name');
    expect(miDbs.recordset).toEqual([{ name: 'Sales' }]);

    // the link, partitioned as it was, with the same identity; LSNs never went back
    const link2 = second.links.links()[0];
    expect(link2.groupId).toBe(groupId);
    expect(link2.partitioned).toBe(true);
    expect(second.find('sql-onprem').instance.findDatabase('Sales')?.lastLsn ?? 0n).toBeGreaterThanOrEqual(salesLsn);
    const replica = await mi2.request().query('SELECT synchronization_state_desc FROM sys.dm_hadr_database_replica_states WHERE is_local = 1');
    expect(replica.recordset[0]?.synchronization_state_desc).toBe('NOT SYNCHRONIZING');
  }, 60_000);

  it('keeps what matches an estate file that changed, starts the rest fresh, and says so in one line', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'estate-state-')), 'state.json');
    const first = await start(file);
    first.find('sql-onprem').instance.createDatabase('MadeAtRuntime');
    first.find('sql-onprem').instance.removeDatabase('Big');
    await first.stop();

    const changed = estateFile();
    changed.instances = changed.instances.filter((i) => i.name !== 'mi-prod');
    changed.links = [];
    changed.instances[0].databases?.push({ name: 'NewInFile' });
    changed.instances.push({ name: 'sql-new', kind: 'sqlServer', logins: [{ name: 'sa', password: PASSWORD }], databases: [{ name: 'Fresh' }] });
    const log: string[] = [];
    const second = await start(file, changed, log);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(
      /^emulator state: restored sql-onprem, sql-dev from .*; NewInFile on sql-onprem new in the estate file: created fresh; sql-new is new in the estate file: started fresh; mi-prod is no longer in the estate file: its state is dropped; link Link_Sales not restored \(link 'Link_Sales': instance 'mi-prod' is not in the estate\)$/,
    );
    const names = second.find('sql-onprem').instance.databases().map((d) => d.name);
    // dropped at runtime stays dropped; created at runtime stays; new in the file appears
    expect(names).toEqual(expect.arrayContaining(['Sales', 'MadeAtRuntime', 'NewInFile']));
    expect(names).not.toContain('Big');
    expect(second.find('sql-new').instance.findDatabase('Fresh')).toBeDefined();
    await second.stop();
  });

  it.each([
    ['cut short', (text: string) => text.slice(0, Math.floor(text.length / 2)), /is not valid JSON, perhaps cut short/],
    ['not JSON at all', () => 'garbage\u0000', /is not valid JSON/],
    ['from another version', (text: string) => text.replace('"version":1', '"version":99'), /version must be 1/],
    ['with a broken database', (text: string) => text.replace(/"lastLsn":\{"\$bigint":"\d+"\}/, '"lastLsn":"soon"'), /lastLsn must be an LSN/],
  ])('reports a state file %s, keeps it aside, and starts fresh', async (_what, damage, problem) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'estate-state-')), 'state.json');
    const first = await start(file);
    first.find('sql-onprem').instance.createDatabase('OnlyInTheFile');
    await first.stop();
    writeFileSync(file, damage(readFileSync(file, 'utf8')));

    const log: string[] = [];
    const second = await start(file, estateFile(), log);
    expect(second.persistence?.loaded).toBe('ignored');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(problem);
    expect(log[0]).toMatch(/starting fresh \(the file is kept as .*state\.json\.corrupt\)$/);
    expect(existsSync(`${file}.corrupt`)).toBe(true);
    expect(second.find('sql-onprem').instance.findDatabase('OnlyInTheFile')).toBeUndefined();
    expect(second.find('sql-onprem').instance.findDatabase('Sales')?.state).toBe('ONLINE');
    // and it saves a good file again
    await second.stop();
    expect(JSON.parse(readFileSync(file, 'utf8')).clean).toBe(true);
  });

  it('after a hard kill (no clean stop) starts the clock and the workload LSNs past what the last save could have missed', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'estate-state-')), 'state.json');
    const first = await start(file);
    await until('a save', async () => (existsSync(file) ? true : undefined));
    first.persistence?.saveNow();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { clean: boolean };
    expect(saved.clean).toBe(false);
    const lsnAtKill = first.find('sql-onprem').instance.findDatabase('Sales')?.lastLsn ?? 0n;
    const timeAtKill = first.clock.now().getTime();
    // a "kill": the file stays as the last periodic save wrote it
    const copy = `${file}.copy`;
    writeFileSync(copy, readFileSync(file));
    await first.stop();
    writeFileSync(file, readFileSync(copy));

    const log: string[] = [];
    const second = await start(file, estateFile(), log);
    expect(log[0]).toMatch(/not stopped cleanly/);
    expect(second.clock.now().getTime()).toBeGreaterThan(timeAtKill);
    expect(second.find('sql-onprem').instance.findDatabase('Sales')?.lastLsn ?? 0n).toBeGreaterThan(lsnAtKill);
    await second.stop();
  });
});
