// BACKUP DATABASE … TO URL as a refresh takes it, through the real mssql client: striped, COPY_ONLY,
// compressed, checksummed, with MAXTRANSFERSIZE and BLOCKSIZE, on SQL Server and on a managed
// instance (and its refusals there), run directly and as a one-time SQL Agent job step, taking the
// database's size at the instance's throughput with percent_complete and STATS messages; and a stripe
// that outgrows its block blob failing as SQL Server fails it. Always Encrypted columns survive the
// backup and the restore.
import sql from 'mssql';
import { encryptedColumns, startRefreshWorld, tableRows, until, type RefreshWorld } from './refreshWorld';

let world: RefreshWorld;
beforeAll(async () => {
  world = await startRefreshWorld();
});
afterAll(async () => {
  await world?.stop();
});

interface Info {
  number: number;
  class: number;
  message: string;
}
interface Failure {
  number: number;
  class: number;
  message: string;
  precedingErrors?: { number: number; class: number; message: string }[];
}

let n = 0;
const stripes = (stem: string, count: number): string[] => {
  n += 1;
  return Array.from({ length: count }, (_, i) => `${world.containerUrl}/${stem}_${n}_${i + 1}of${count}.bak`);
};
const to = (urls: string[]): string => urls.map((u) => `URL = N'${u}'`).join(', ');
const REFRESH_OPTIONS = 'COPY_ONLY, COMPRESSION, CHECKSUM, FORMAT, MAXTRANSFERSIZE = 4194304, BLOCKSIZE = 65536, STATS = 5';

/** runs a batch, collecting its info messages and (when it fails) its error */
async function run(pool: sql.ConnectionPool, text: string): Promise<{ infos: Info[]; error?: Failure }> {
  const infos: Info[] = [];
  const request = pool.request();
  request.on('info', (m: Info) => infos.push(m));
  try {
    await request.batch(text);
    return { infos };
  } catch (e) {
    return { infos, error: e as Failure };
  }
}

/** samples BACKUP DATABASE's row in sys.dm_exec_requests while `work` runs */
async function watchProgress<T>(instance: string, work: Promise<T>): Promise<{ result: T; samples: { session_id: number; percent_complete: number; database: string }[] }> {
  const observer = await world.pool(instance);
  const samples: { session_id: number; percent_complete: number; database: string }[] = [];
  let done = false;
  const watching = (async () => {
    while (!done) {
      const r = await observer
        .request()
        .query<{ session_id: number; percent_complete: number; database: string }>(
          "SELECT session_id, percent_complete, DB_NAME(database_id) AS [database] FROM sys.dm_exec_requests WHERE command = 'BACKUP DATABASE'",
        );
      samples.push(...r.recordset);
      await new Promise((r2) => setTimeout(r2, 10));
    }
  })();
  const result = await work;
  done = true;
  await watching;
  return { result, samples };
}

describe('a refresh backup on SQL Server (SAS credential)', () => {
  it('stripes COPY_ONLY, COMPRESSION, CHECKSUM, FORMAT, MAXTRANSFERSIZE, BLOCKSIZE over three URLs, taking the size at the throughput with progress and STATS', async () => {
    const p = await world.pool('sql-prod');
    const urls = stripes('Sales_sql', 3);
    const started = world.clock.now().getTime();
    const { result, samples } = await watchProgress('sql-prod', run(p, `BACKUP DATABASE [Sales] TO ${to(urls)} WITH ${REFRESH_OPTIONS}`));
    const simulatedMs = world.clock.now().getTime() - started;
    expect(result.error).toBeUndefined();
    // 2 GB of data at 200 MB/s: about ten seconds of simulated time
    expect(simulatedMs).toBeGreaterThanOrEqual(10_000);
    const percents = samples.map((s) => s.percent_complete);
    expect(percents.some((x) => x > 0 && x < 100)).toBe(true);
    expect(samples.every((s) => s.database === 'Sales')).toBe(true);
    // STATS = 5: 3211 "n percent processed." every five percent, then 4035 per file and 3014
    const stats = result.infos.filter((m) => m.number === 3211).map((m) => m.message);
    expect(stats).toEqual(Array.from({ length: 20 }, (_, i) => `${(i + 1) * 5} percent processed.`));
    expect(result.infos.filter((m) => m.number === 4035).map((m) => m.message)).toEqual([
      "Processed 262144 pages for database 'Sales', file 'Sales' on file 1.",
      "Processed 2 pages for database 'Sales', file 'Sales_log' on file 1.",
    ]);
    expect(result.infos[result.infos.length - 1]).toMatchObject({ number: 3014 });
    expect(result.infos[result.infos.length - 1].message).toMatch(/^BACKUP DATABASE successfully processed 262146 pages in \d+\.\d{3} seconds \(\d+\.\d{3} MB\/sec\)\.$/);

    const history = await world.query<{ is_copy_only: boolean; has_backup_checksums: boolean; family_sequence_number: number; physical_device_name: string; compressed: boolean }>(
      'sql-prod',
      `SELECT bs.is_copy_only, bs.has_backup_checksums, mf.family_sequence_number, mf.physical_device_name, CAST(CASE WHEN bs.compressed_backup_size < bs.backup_size THEN 1 ELSE 0 END AS bit) AS compressed
       FROM msdb.dbo.backupset bs JOIN msdb.dbo.backupmediafamily mf ON mf.media_set_id = bs.media_set_id
       WHERE bs.database_name = N'Sales' ORDER BY mf.family_sequence_number`,
    );
    expect(history).toEqual(urls.map((u, i) => ({ is_copy_only: true, has_backup_checksums: true, family_sequence_number: i + 1, physical_device_name: u, compressed: true })));
    const label = await world.query<{ FamilyCount: number; FamilySequenceNumber: number }>('sql-dev', `RESTORE LABELONLY FROM URL = N'${urls[1]}'`);
    expect(label[0]).toMatchObject({ FamilyCount: 3, FamilySequenceNumber: 2 });
  });

  it('runs as a one-time SQL Agent job step: the backup outlives the connection that started it, shows in sys.dm_exec_requests, and the history records success', async () => {
    const urls = stripes('Sales_agent', 3);
    const starter = await world.pool('sql-prod', { pool: { max: 1, min: 0 } });
    const job = `refresh backup ${n}`;
    await starter.request().batch(`
      DECLARE @job_id uniqueidentifier;
      EXEC msdb.dbo.sp_add_job @job_name = N'${job}', @delete_level = 3, @job_id = @job_id OUTPUT;
      EXEC msdb.dbo.sp_add_jobstep @job_id = @job_id, @step_name = N'backup', @subsystem = N'TSQL', @database_name = N'master',
        @command = N'BACKUP DATABASE [Sales] TO ${to(urls).replace(/'/g, "''")} WITH ${REFRESH_OPTIONS}';
      EXEC msdb.dbo.sp_add_jobserver @job_id = @job_id;
      EXEC msdb.dbo.sp_start_job @job_id = @job_id;`);
    await starter.close();
    const observer = await world.pool('sql-prod');
    const running = await until('the job backup to run', async () => {
      const r = await observer
        .request()
        .query<{ session_id: number; percent_complete: number; program_name: string }>(
          "SELECT r.session_id, r.percent_complete, s.program_name FROM sys.dm_exec_requests r JOIN sys.dm_exec_sessions s ON s.session_id = r.session_id WHERE r.command = 'BACKUP DATABASE' AND r.percent_complete > 0",
        );
      return r.recordset[0];
    });
    expect(running.program_name).toMatch(/^SQLAgent - TSQL JobStep \(Job 0x[0-9A-F]+ : Step 1\)$/);
    expect(running.percent_complete).toBeLessThan(100);
    // delete_level 3: the job deletes itself when it ends
    await until('the job to end', async () => {
      const r = await observer.request().input('job', sql.NVarChar(128), job).query<{ n: number }>('SELECT COUNT(*) AS n FROM msdb.dbo.sysjobs WHERE name = @job');
      return r.recordset[0].n === 0 ? true : undefined;
    });
    const sets = await world.query<{ n: number }>('sql-prod', `SELECT COUNT(*) AS n FROM msdb.dbo.backupmediafamily WHERE physical_device_name = N'${urls[2]}'`);
    expect(sets[0].n).toBe(1);
    const blob = world.blobs.getContainerClient('refresh').getBlobClient(urls[0].slice(world.containerUrl.length + 1));
    expect(await blob.exists()).toBe(true);
  });

  it('a stripe that needs more than 50,000 blocks of MAXTRANSFERSIZE fails there with 3202 (OS error 1117) and 3013, after the time it took to get there', async () => {
    const p = await world.pool('sql-big');
    // 160 GB in three uncompressed stripes: 53.3 GB each; without MAXTRANSFERSIZE a block is 1 MB, a blob 48.8 GB
    const urls = stripes('Huge_default', 3);
    const { result, samples } = await watchProgress('sql-big', run(p, `BACKUP DATABASE [Huge] TO ${to(urls)} WITH COPY_ONLY, CHECKSUM, FORMAT, STATS = 10`));
    expect(result.error).toMatchObject({ number: 3013, class: 16, message: 'BACKUP DATABASE is terminating abnormally.' });
    expect(result.error?.precedingErrors).toEqual([
      expect.objectContaining({ number: 3202, class: 16, message: `Write on "${urls[0]}" failed: 1117(The request could not be performed because of an I/O device error.)` }),
    ]);
    // it went most of the way first (48.8 of 53.3 GB: 92 %)
    expect(result.infos.filter((m) => m.number === 3211).map((m) => m.message)).toEqual(Array.from({ length: 9 }, (_, i) => `${(i + 1) * 10} percent processed.`));
    expect(Math.max(0, ...samples.map((s) => s.percent_complete))).toBeLessThan(92);
    // nothing was recorded and no blob was committed
    expect((await world.query<{ n: number }>('sql-big', "SELECT COUNT(*) AS n FROM msdb.dbo.backupset WHERE database_name = N'Huge'"))[0].n).toBe(0);
    expect(await world.blobs.getContainerClient('refresh').getBlobClient(urls[0].slice(world.containerUrl.length + 1)).exists()).toBe(false);

    // the same three stripes fit with MAXTRANSFERSIZE = 4 MB (195 GB a blob), or compressed (21 GB a stripe)
    expect((await run(p, `BACKUP DATABASE [Huge] TO ${to(stripes('Huge_4mb', 3))} WITH COPY_ONLY, CHECKSUM, FORMAT, MAXTRANSFERSIZE = 4194304, BLOCKSIZE = 65536`)).error).toBeUndefined();
    expect((await run(p, `BACKUP DATABASE [Huge] TO ${to(stripes('Huge_compressed', 3))} WITH COPY_ONLY, COMPRESSION, FORMAT`)).error).toBeUndefined();
    // a small MAXTRANSFERSIZE makes a small blob: 64 KB blocks hold 3 GB, and 64 GB compressed does not fit in one
    const small = stripes('Huge_64k', 1);
    const tooSmall = await run(p, `BACKUP DATABASE [Huge] TO ${to(small)} WITH COPY_ONLY, COMPRESSION, FORMAT, MAXTRANSFERSIZE = 65536`);
    expect(tooSmall.error?.precedingErrors?.map((e) => e.number)).toEqual([3202]);
  });

  it('MAXTRANSFERSIZE and BLOCKSIZE outside what BACKUP takes are refused before anything is written', async () => {
    const p = await world.pool('sql-prod');
    const odd = await run(p, `BACKUP DATABASE [Shop] TO ${to(stripes('Shop_odd', 1))} WITH COPY_ONLY, MAXTRANSFERSIZE = 100000`);
    expect(odd.error).toMatchObject({ number: 3013 });
    expect(odd.error?.precedingErrors).toEqual([expect.objectContaining({ number: 3250, message: "The value '100000' is not within range for the MAXTRANSFERSIZE parameter." })]);
    const block = await run(p, `BACKUP DATABASE [Shop] TO ${to(stripes('Shop_block', 1))} WITH COPY_ONLY, BLOCKSIZE = 3000`);
    expect(block.error?.precedingErrors).toEqual([expect.objectContaining({ number: 3250, message: "The value '3000' is not within range for the BLOCKSIZE parameter." })]);
  });
});

describe('a refresh backup on a managed instance', () => {
  it('takes the same striped COPY_ONLY backup with progress, directly and as an Agent job step', async () => {
    const p = await world.pool('mi-prod');
    const urls = stripes('Sales_mi', 3);
    const { result, samples } = await watchProgress('mi-prod', run(p, `BACKUP DATABASE [Sales] TO ${to(urls)} WITH ${REFRESH_OPTIONS}`));
    expect(result.error).toBeUndefined();
    expect(samples.some((s) => s.percent_complete > 0 && s.percent_complete < 100)).toBe(true);
    expect(result.infos.filter((m) => m.number === 3211)).toHaveLength(20);
    const files = await world.query<{ LogicalName: string; Type: string }>('sql-dev', `RESTORE FILELISTONLY FROM ${to(urls)}`);
    expect(files.map((f) => [f.LogicalName, f.Type])).toEqual(expect.arrayContaining([['data_0', 'D'], ['log', 'L']]));

    const jobUrls = stripes('Sales_mi_agent', 2);
    await p.request().batch(`
      DECLARE @job_id uniqueidentifier;
      EXEC msdb.dbo.sp_add_job @job_name = N'mi refresh backup', @job_id = @job_id OUTPUT;
      EXEC msdb.dbo.sp_add_jobstep @job_id = @job_id, @step_name = N'backup', @subsystem = N'TSQL', @database_name = N'master',
        @command = N'BACKUP DATABASE [Sales] TO ${to(jobUrls).replace(/'/g, "''")} WITH ${REFRESH_OPTIONS}';
      EXEC msdb.dbo.sp_add_jobserver @job_id = @job_id;
      EXEC msdb.dbo.sp_start_job @job_id = @job_id;`);
    const step = await until('the job step history', async () => {
      const r = await p
        .request()
        .query<{ run_status: number; message: string }>(
          "SELECT h.run_status, h.message FROM msdb.dbo.sysjobhistory h JOIN msdb.dbo.sysjobs j ON j.job_id = h.job_id WHERE j.name = N'mi refresh backup' AND h.step_id = 1",
        );
      return r.recordset[0];
    });
    expect(step.run_status).toBe(1);
    expect(step.message).toMatch(/BACKUP DATABASE successfully processed \d+ pages/);
  });

  it('refuses a backup that is not COPY_ONLY (41904) and BACKUP LOG (41904), each with 3013', async () => {
    const p = await world.pool('mi-prod');
    const plain = await run(p, `BACKUP DATABASE [Shop] TO ${to(stripes('Shop_plain', 1))} WITH COMPRESSION, CHECKSUM`);
    expect(plain.error).toMatchObject({ number: 3013, class: 16, message: 'BACKUP DATABASE is terminating abnormally.' });
    expect(plain.error?.precedingErrors).toEqual([
      expect.objectContaining({
        number: 41904,
        class: 16,
        message: 'BACKUP DATABASE failed. SQL Database Managed Instance supports only COPY_ONLY full database backups which are initiated by user.',
      }),
    ]);
    const log = await run(p, `BACKUP LOG [Shop] TO ${to(stripes('Shop_log', 1))} WITH COPY_ONLY`);
    expect(log.error).toMatchObject({ number: 3013, message: 'BACKUP LOG is terminating abnormally.' });
    expect(log.error?.precedingErrors?.map((e) => e.number)).toEqual([41904]);
  });

  it('a stripe past the block blob limit fails as on SQL Server', async () => {
    const p = await world.pool('mi-big');
    const urls = stripes('Huge_mi', 2);
    const r = await run(p, `BACKUP DATABASE [Huge] TO ${to(urls)} WITH COPY_ONLY, CHECKSUM`);
    expect(r.error).toMatchObject({ number: 3013 });
    expect(r.error?.precedingErrors).toEqual([expect.objectContaining({ number: 3202, message: `Write on "${urls[0]}" failed: 1117(The request could not be performed because of an I/O device error.)` })]);
    expect((await run(p, `BACKUP DATABASE [Huge] TO ${to(stripes('Huge_mi_ok', 2))} WITH COPY_ONLY, COMPRESSION, CHECKSUM, MAXTRANSFERSIZE = 4194304`)).error).toBeUndefined();
  });
});

describe('Always Encrypted columns through backup and restore', () => {
  it('sys.columns encryption_type / encryption_type_desc are the same on the restored copy, from SQL Server and from a managed instance', async () => {
    const before = await encryptedColumns(world, 'sql-prod', 'Sales');
    expect(before).toEqual({ 'Customers.TaxId': [2, 'RANDOMIZED'] });
    const dev = await world.pool('sql-dev');
    const fromSql = stripes('Sales_ae', 2);
    await (await world.pool('sql-prod')).request().batch(`BACKUP DATABASE [Sales] TO ${to(fromSql)} WITH COPY_ONLY, COMPRESSION, CHECKSUM, FORMAT`);
    await dev.request().batch(`RESTORE DATABASE [Sales_sqlcopy] FROM ${to(fromSql)} WITH MOVE N'Sales' TO N'/var/opt/mssql/data/Sales_sqlcopy.mdf', MOVE N'Sales_log' TO N'/var/opt/mssql/data/Sales_sqlcopy_log.ldf', CHECKSUM`);
    expect(await encryptedColumns(world, 'sql-dev', 'Sales_sqlcopy')).toEqual(before);
    expect(await tableRows(world, 'sql-dev', 'Sales_sqlcopy')).toEqual({ 'dbo.Customers': 25000, 'dbo.Orders': 480000, 'audit.Events': 120000 });

    const fromMi = stripes('Sales_mi_ae', 2);
    expect(await encryptedColumns(world, 'mi-prod', 'Sales')).toEqual(before);
    await (await world.pool('mi-prod')).request().batch(`BACKUP DATABASE [Sales] TO ${to(fromMi)} WITH COPY_ONLY, COMPRESSION, CHECKSUM`);
    // one MOVE per file the backup lists (data_0, log, and XTP when the database has one)
    const files = await world.query<{ LogicalName: string }>('sql-dev', `RESTORE FILELISTONLY FROM ${to(fromMi)}`);
    const moves = files.map((f) => `MOVE N'${f.LogicalName}' TO N'/var/opt/mssql/data/Sales_micopy_${f.LogicalName}'`).join(', ');
    await dev.request().batch(`RESTORE DATABASE [Sales_micopy] FROM ${to(fromMi)} WITH ${moves}`);
    expect(await encryptedColumns(world, 'sql-dev', 'Sales_micopy')).toEqual(before);
  });
});
