// SQL Server's backup/restore failures, each with its real numbers, against a real Azurite.
import { encodeBackup, decodeBackup } from '../../../../emulator/backup';
import { damageBackup } from '../../../../emulator/backup/format';
import { startStorage, WRONG_KEY, type TestStorage } from './storage';
import { allErrorText, errorNumbers, run, sqlServerConfig, TestHost } from './testHost';

let storage: TestStorage;
let containerUrl: string;
let blobs: Awaited<ReturnType<TestStorage['container']>>['client'];
const DATA = 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA';

beforeAll(async () => {
  storage = await startStorage();
  const c = await storage.container('failures');
  containerUrl = c.url;
  blobs = c.client;
});
afterAll(async () => {
  await storage?.stop();
});

function sqlHost(overrides: Parameters<typeof sqlServerConfig>[0] = {}, permissions = 'rwdlc'): TestHost {
  const host = new TestHost(sqlServerConfig(overrides));
  host.addCredential(containerUrl, storage.sas(permissions));
  return host;
}

let n = 0;
const fresh = (stem: string) => `${containerUrl}/${stem}_${++n}.bak`;

async function backupOf(host: TestHost, db: string, stem = db): Promise<string> {
  const url = fresh(stem);
  const r = await run(host, `BACKUP DATABASE [${db}] TO URL = '${url}'`);
  if (r.error) throw new Error(allErrorText(r.error));
  return url;
}

describe('credentials and SAS', () => {
  it('3201 with OS error 50 when no credential matches the URL, then 3013', async () => {
    const host = new TestHost(sqlServerConfig());
    host.createDatabase('NoCred');
    const url = fresh('nocred');
    const backup = await run(host, `BACKUP DATABASE NoCred TO URL = '${url}'`);
    expect(errorNumbers(backup.error)).toEqual([3201, 3013]);
    expect(backup.error?.preceding[0]).toMatchObject({ class: 16, message: `Cannot open backup device '${url}'. Operating system error 50(The request is not supported.).` });
    expect(backup.error?.message).toBe('BACKUP DATABASE is terminating abnormally.');
    const restore = await run(host, `RESTORE DATABASE X FROM URL = '${url}'`);
    expect(errorNumbers(restore.error)).toEqual([3201, 3013]);
    expect(restore.error?.message).toBe('RESTORE DATABASE is terminating abnormally.');
  });

  it('3201 with OS error 86 for a SAS without write on BACKUP, and nothing is left in the container', async () => {
    const host = sqlHost({}, 'rl');
    host.createDatabase('ReadOnlySas');
    const url = fresh('rosas');
    const r = await run(host, `BACKUP DATABASE ReadOnlySas TO URL = '${url}'`);
    expect(errorNumbers(r.error)).toEqual([3201, 3013]);
    expect(r.error?.preceding[0].message).toBe(`Cannot open backup device '${url}'. Operating system error 86(The specified network password is not correct.).`);
    expect(await blobs.getBlockBlobClient(url.split('/').pop()!).exists()).toBe(false);
    expect(host.backupHistory).toHaveLength(0);
  });

  it('3201 with OS error 86 for a SAS without read on RESTORE and for a bad signature, never showing the SAS', async () => {
    const writer = sqlHost();
    writer.createDatabase('Readable');
    const url = await backupOf(writer, 'Readable');

    const noRead = new TestHost(sqlServerConfig());
    noRead.addCredential(containerUrl, storage.sas('wc'));
    const r1 = await run(noRead, `RESTORE DATABASE Readable FROM URL = '${url}'`);
    expect(errorNumbers(r1.error)).toEqual([3201, 3013]);
    expect(r1.error?.preceding[0].message).toContain('Operating system error 86(The specified network password is not correct.)');

    const badSig = new TestHost(sqlServerConfig());
    const wrongSas = storage.sas('rwdlc', WRONG_KEY);
    badSig.addCredential(containerUrl, wrongSas);
    const r2 = await run(badSig, `RESTORE HEADERONLY FROM URL = '${url}'`);
    expect(errorNumbers(r2.error)).toEqual([3201, 3013]);
    expect(r2.error?.message).toBe('RESTORE HEADERONLY is terminating abnormally.');
    const text = allErrorText(r2.error);
    expect(text).not.toContain('sig=');
    expect(text).not.toContain(wrongSas.slice(-20));
  });

  it('3201 with OS error 2 for a blob that does not exist', async () => {
    const host = sqlHost();
    const url = `${containerUrl}/missing.bak`;
    const r = await run(host, `RESTORE DATABASE M FROM URL = '${url}'`);
    expect(errorNumbers(r.error)).toEqual([3201, 3013]);
    expect(r.error?.preceding[0].message).toBe(`Cannot open backup device '${url}'. Operating system error 2(The system cannot find the file specified.).`);
  });

  it('3271 when the blob exists and FORMAT is missing; FORMAT overwrites it', async () => {
    const host = sqlHost();
    host.createDatabase('Twice');
    const url = await backupOf(host, 'Twice');
    const again = await run(host, `BACKUP DATABASE Twice TO URL = '${url}'`);
    expect(errorNumbers(again.error)).toEqual([3271, 3013]);
    expect(again.error?.preceding[0].message).toContain('(409) Conflict');
    expect((await run(host, `BACKUP DATABASE Twice TO URL = '${url}' WITH FORMAT`)).error).toBeUndefined();
  });
});

describe('media sets and blob contents', () => {
  it('3132 when stripes are missing, for RESTORE and VERIFYONLY', async () => {
    const host = sqlHost();
    host.createDatabase('Striped');
    const urls = [1, 2, 3, 4].map(() => fresh('striped'));
    expect((await run(host, `BACKUP DATABASE Striped TO ${urls.map((u) => `URL = '${u}'`).join(', ')}`)).error).toBeUndefined();
    host.removeDatabase('Striped');
    const partial = await run(host, `RESTORE DATABASE Striped FROM URL = '${urls[0]}', URL = '${urls[2]}'`);
    expect(errorNumbers(partial.error)).toEqual([3132, 3013]);
    expect(partial.error?.preceding[0].message).toBe('The media set has 4 media families but only 2 are provided. All members must be provided.');
    expect(host.findDatabase('Striped')).toBeUndefined();
    const verify = await run(host, `RESTORE VERIFYONLY FROM URL = '${urls[1]}'`);
    expect(errorNumbers(verify.error)).toEqual([3132, 3013]);
    const twice = await run(host, `RESTORE DATABASE Striped FROM URL = '${urls[0]}', URL = '${urls[0]}', URL = '${urls[1]}', URL = '${urls[2]}'`);
    expect(errorNumbers(twice.error)).toEqual([3227, 3013]);
  });

  it('3241 for a corrupt blob and 3266 for a truncated one', async () => {
    const host = sqlHost();
    host.createDatabase('Damaged');
    const url = await backupOf(host, 'Damaged');
    const name = url.split('/').pop()!;
    const good = await blobs.getBlockBlobClient(name).downloadToBuffer();
    expect(decodeBackup(good).databaseName).toBe('Damaged');

    const corrupt = Buffer.from(good);
    corrupt[60] ^= 0xff;
    await blobs.getBlockBlobClient('corrupt.bak').uploadData(corrupt);
    const r1 = await run(host, `RESTORE VERIFYONLY FROM URL = '${containerUrl}/corrupt.bak'`);
    expect(errorNumbers(r1.error)).toEqual([3241, 3013]);
    expect(r1.error?.preceding[0].message).toBe(`The media family on device '${containerUrl}/corrupt.bak' is incorrectly formed. SQL Server cannot process this media family.`);

    await blobs.getBlockBlobClient('truncated.bak').uploadData(good.subarray(0, good.length - 100));
    const r2 = await run(host, `RESTORE DATABASE T FROM URL = '${containerUrl}/truncated.bak'`);
    expect(errorNumbers(r2.error)).toEqual([3266, 3013]);
  });

  it('3187 for CHECKSUM when the backup has no checksums', async () => {
    const host = sqlHost();
    host.createDatabase('NoSums');
    const url = await backupOf(host, 'NoSums');
    expect(errorNumbers((await run(host, `RESTORE VERIFYONLY FROM URL = '${url}' WITH CHECKSUM`)).error)).toEqual([3187, 3013]);
    expect(errorNumbers((await run(host, `RESTORE DATABASE NoSums2 FROM URL = '${url}' WITH CHECKSUM`)).error)).toEqual([3187, 3013]);
  });

  it('a damaged page: 3183 from RESTORE and 3189 from VERIFYONLY when the backup has checksums; undetected without them; the header still reads', async () => {
    const host = sqlHost();
    host.createDatabase('Rotten');
    const withSums = fresh('rotten');
    expect((await run(host, `BACKUP DATABASE Rotten TO URL = '${withSums}' WITH CHECKSUM`)).error).toBeUndefined();
    const plain = await backupOf(host, 'Rotten');
    for (const url of [withSums, plain]) {
      const client = blobs.getBlockBlobClient(url.split('/').pop()!);
      await client.uploadData(damageBackup(await client.downloadToBuffer(), 40));
    }
    expect((await run(host, `RESTORE HEADERONLY FROM URL = '${withSums}'`)).error).toBeUndefined();
    const verify = await run(host, `RESTORE VERIFYONLY FROM URL = '${withSums}'`);
    expect(errorNumbers(verify.error)).toEqual([3189, 3013]);
    expect(verify.error?.preceding[0].message).toBe('Damage to the backup set was detected.');
    expect(verify.error?.message).toBe('VERIFY DATABASE is terminating abnormally.');
    const restore = await run(host, `RESTORE DATABASE Rotten_copy FROM URL = '${withSums}' WITH MOVE 'Rotten' TO '${DATA}\\Rotten_copy.mdf', MOVE 'Rotten_log' TO '${DATA}\\Rotten_copy_log.ldf', CHECKSUM`);
    expect(errorNumbers(restore.error)).toEqual([3183, 3013]);
    expect(restore.error?.preceding[0].message).toMatch(/^RESTORE detected an error on page \(1:\d+\) in database "Rotten_copy" as read from the backup set\.$/);
    expect(host.findDatabase('Rotten_copy')?.state).not.toBe('ONLINE');
    // NO_CHECKSUM, or a backup without checksums: the damage goes unnoticed, as in SQL Server
    expect((await run(host, `RESTORE VERIFYONLY FROM URL = '${withSums}' WITH NO_CHECKSUM`)).error).toBeUndefined();
    expect((await run(host, `RESTORE VERIFYONLY FROM URL = '${plain}'`)).error).toBeUndefined();
  });

  it('4038 for FILE = 2 (a URL holds one backup set)', async () => {
    const host = sqlHost();
    host.createDatabase('OneSet');
    const url = await backupOf(host, 'OneSet');
    const r = await run(host, `RESTORE DATABASE OneSet2 FROM URL = '${url}' WITH FILE = 2`);
    expect(errorNumbers(r.error)).toEqual([4038, 3013]);
  });
});

describe('target checks', () => {
  it('3169 for a backup of a newer version', async () => {
    const newer = new TestHost(sqlServerConfig({ majorVersion: 17 }));
    newer.addCredential(containerUrl, storage.sas('rwdlc'));
    newer.createDatabase('Future', { databaseVersion: 998 });
    const url = await backupOf(newer, 'Future');
    const host = sqlHost();
    const r = await run(host, `RESTORE DATABASE Future FROM URL = '${url}'`);
    expect(errorNumbers(r.error)).toEqual([3169, 3013]);
    expect(r.error?.preceding[0].message).toBe(
      'The database was backed up on a server running version 17.00.1000. That version is incompatible with this server, which is running version 16.00.4135. Either restore the database on a server that supports the backup, or use a backup that is compatible with this server.',
    );
  });

  it('3154 for a backup of another database without REPLACE; REPLACE overwrites it in place', async () => {
    const host = sqlHost();
    host.createDatabase('Src', { tables: [{ schema: 'dbo', name: 'A', rowCount: 7 }] });
    const target = host.createDatabase('Target', { tables: [{ schema: 'dbo', name: 'B', rowCount: 1 }] });
    const url = await backupOf(host, 'Src');
    const r = await run(host, `RESTORE DATABASE Target FROM URL = '${url}'`);
    expect(errorNumbers(r.error)).toEqual([3154, 3013]);
    expect(r.error?.preceding[0].message).toBe("The backup set holds a backup of a database other than the existing 'Target' database.");
    const ok = await run(host, `RESTORE DATABASE Target FROM URL = '${url}' WITH REPLACE, MOVE 'Src' TO '${DATA}\\Target.mdf', MOVE 'Src_log' TO '${DATA}\\Target_log.ldf'`);
    expect(ok.error).toBeUndefined();
    const replaced = host.findDatabase('Target')!;
    expect(replaced.databaseId).toBe(target.databaseId);
    expect(replaced.tables).toEqual([{ schema: 'dbo', name: 'A', rowCount: 7 }]);
  });

  it('3159 when the tail of the log was not backed up', async () => {
    const host = sqlHost();
    host.createDatabase('Tail');
    const url = await backupOf(host, 'Tail');
    host.touch('Tail', 0);
    const r = await run(host, `RESTORE DATABASE Tail FROM URL = '${url}'`);
    expect(errorNumbers(r.error)).toEqual([3159, 3013]);
  });

  it('3101 when other sessions use the database', async () => {
    const host = sqlHost();
    host.createDatabase('Busy');
    const url = await backupOf(host, 'Busy');
    host.sessions.set(60, 'Busy');
    const r = await run(host, `RESTORE DATABASE Busy FROM URL = '${url}' WITH REPLACE`, { spid: 51 });
    expect(errorNumbers(r.error)).toEqual([3101, 3013]);
    expect(r.error?.preceding[0].message).toBe('Exclusive access could not be obtained because the database is in use.');
    host.sessions.delete(60);
    host.sessions.set(51, 'Busy');
    expect((await run(host, `RESTORE DATABASE Busy FROM URL = '${url}' WITH REPLACE`, { spid: 51 })).error).toBeUndefined();
  });

  it('5133 + 3156 per file, then 3119, when the backup paths do not exist here', async () => {
    const source = sqlHost();
    source.createDatabase('Paths');
    const url = await backupOf(source, 'Paths');
    const linux = sqlHost({ defaultDataPath: '/var/opt/mssql/data', defaultLogPath: '/var/opt/mssql/log' });
    const r = await run(linux, `RESTORE DATABASE Paths FROM URL = '${url}'`);
    expect(errorNumbers(r.error)).toEqual([5133, 3156, 5133, 3156, 3119, 3013]);
    expect(r.error?.preceding[0].message).toBe(`Directory lookup for the file "${DATA}\\Paths.mdf" failed with the operating system error 2(The system cannot find the file specified.).`);
    expect(r.error?.preceding[1].message).toBe(`File 'Paths' cannot be restored to '${DATA}\\Paths.mdf'. Use WITH MOVE to identify a valid location for the file.`);
    expect(r.error?.preceding[4].message).toBe('Problems were identified while planning for the RESTORE statement. Previous messages provide details.');
    const moved = await run(linux, `RESTORE DATABASE Paths FROM URL = '${url}' WITH MOVE 'Paths' TO '/var/opt/mssql/data/Paths.mdf', MOVE 'Paths_log' TO '/var/opt/mssql/log/Paths_log.ldf'`);
    expect(moved.error).toBeUndefined();
  });

  it('1834 for a file used by another database and 3234 for an unknown logical name', async () => {
    const host = sqlHost();
    host.createDatabase('Owner');
    host.createDatabase('Copied');
    const url = await backupOf(host, 'Copied');
    const r = await run(host, `RESTORE DATABASE Copy2 FROM URL = '${url}' WITH MOVE 'Copied' TO '${DATA}\\Owner.mdf', MOVE 'Copied_log' TO '${DATA}\\Copy2_log.ldf'`);
    expect(errorNumbers(r.error)).toEqual([1834, 3156, 3119, 3013]);
    expect(r.error?.preceding[0].message).toBe(`The file '${DATA}\\Owner.mdf' cannot be overwritten.  It is being used by database 'Owner'.`);
    const unknown = await run(host, `RESTORE DATABASE Copy2 FROM URL = '${url}' WITH MOVE 'Nope' TO '${DATA}\\x.mdf'`);
    expect(errorNumbers(unknown.error)[0]).toBe(3234);
  });

  it('3257 when the volume is too small, and with the diskFull fault', async () => {
    const small = sqlHost({ freeSpaceBytes: 1024 * 1024 });
    small.createDatabase('Big');
    const url = await backupOf(small, 'Big');
    const r = await run(small, `RESTORE DATABASE Big2 FROM URL = '${url}' WITH MOVE 'Big' TO '${DATA}\\Big2.mdf', MOVE 'Big_log' TO '${DATA}\\Big2_log.ldf'`);
    expect(errorNumbers(r.error)).toEqual([3257, 3119, 3013]);
    expect(r.error?.preceding[0].message).toBe(
      `There is insufficient free space on disk volume 'C:\\' to create the database. The database requires ${24 * 1024 * 1024} additional free bytes, while only ${1024 * 1024} bytes are available.`,
    );
    const full = sqlHost();
    full.faultSwitches = { diskFull: true };
    const r2 = await run(full, `RESTORE DATABASE Big2 FROM URL = '${url}' WITH MOVE 'Big' TO '${DATA}\\Big2.mdf', MOVE 'Big_log' TO '${DATA}\\Big2_log.ldf'`);
    expect(errorNumbers(r2.error)).toEqual([3257, 3119, 3013]);
  });

  it('33111 when the TDE certificate is missing; restores once it is there', async () => {
    const host = sqlHost();
    host.createDatabase('Secret', { tde: 'customerManaged' });
    const url = await backupOf(host, 'Secret');
    const other = sqlHost();
    const r = await run(other, `RESTORE DATABASE Secret FROM URL = '${url}'`);
    expect(errorNumbers(r.error)).toEqual([33111, 3013]);
    const thumbprint = /thumbprint '(0x[0-9A-F]{40})'/.exec(r.error!.preceding[0].message)?.[1];
    expect(thumbprint).toBeDefined();
    other.certificates.add(thumbprint!);
    expect((await run(other, `RESTORE DATABASE Secret FROM URL = '${url}'`)).error).toBeUndefined();
    expect(other.findDatabase('Secret')?.tde).toBe('customerManaged');
  });
});

describe('backup rules', () => {
  it('4208 for BACKUP LOG under SIMPLE recovery, 3035 for a differential and 4214 for a log without a full backup', async () => {
    const host = sqlHost();
    host.createDatabase('Simple', { recoveryModel: 'SIMPLE' });
    const log = await run(host, `BACKUP LOG Simple TO URL = '${fresh('simple')}'`);
    expect(errorNumbers(log.error)).toEqual([4208, 3013]);
    expect(log.error?.preceding[0].message).toBe(
      'The statement BACKUP LOG is not allowed while the recovery model is SIMPLE. Use BACKUP DATABASE or change the recovery model using ALTER DATABASE.',
    );
    expect(log.error?.message).toBe('BACKUP LOG is terminating abnormally.');
    host.createDatabase('NoBase');
    expect(errorNumbers((await run(host, `BACKUP DATABASE NoBase TO URL = '${fresh('nobase')}' WITH DIFFERENTIAL`)).error)).toEqual([3035, 3013]);
    expect(errorNumbers((await run(host, `BACKUP LOG NoBase TO URL = '${fresh('nobase')}'`)).error)).toEqual([4214, 3013]);
    // a copy-only full is no differential base
    await run(host, `BACKUP DATABASE NoBase TO URL = '${fresh('nobase')}' WITH COPY_ONLY`);
    expect(errorNumbers((await run(host, `BACKUP DATABASE NoBase TO URL = '${fresh('nobase')}' WITH DIFFERENTIAL`)).error)).toEqual([3035, 3013]);
  });

  it('911 for a database that does not exist; option errors 155, 3031 and 3250', async () => {
    const host = sqlHost();
    expect(errorNumbers((await run(host, `BACKUP DATABASE Ghost TO URL = '${fresh('ghost')}'`)).error)).toEqual([911, 3013]);
    host.createDatabase('Opts');
    const unknown = await run(host, `BACKUP DATABASE Opts TO URL = '${fresh('opts')}' WITH FROBNICATE`);
    expect(errorNumbers(unknown.error)).toEqual([155]);
    expect(unknown.error?.message).toBe("'FROBNICATE' is not a recognized BACKUP option.");
    expect(errorNumbers((await run(host, `RESTORE DATABASE Opts FROM URL = '${fresh('opts')}' WITH RECOVERY, NORECOVERY`)).error)).toEqual([3031, 3013]);
    expect(errorNumbers((await run(host, `BACKUP DATABASE Opts TO URL = '${fresh('opts')}' WITH STATS = 0`)).error)).toEqual([3250, 3013]);
  });

  it('refuses DISK devices, which the emulator does not have', async () => {
    const host = sqlHost();
    host.createDatabase('DiskDb');
    const r = await run(host, "BACKUP DATABASE DiskDb TO DISK = 'C:\\backups\\Disk.bak'");
    expect(errorNumbers(r.error)).toEqual([3201, 3013]);
  });
});

describe('format', () => {
  it('blobs written by BACKUP decode to the same header encodeBackup produces', async () => {
    const host = sqlHost();
    host.createDatabase('Fmt', { tables: [{ schema: 'dbo', name: 'X', rowCount: 3 }] });
    const url = await backupOf(host, 'Fmt');
    const blob = await blobs.getBlockBlobClient(url.split('/').pop()!).downloadToBuffer();
    const header = decodeBackup(blob);
    expect(encodeBackup(header).equals(blob)).toBe(true);
    expect(header.tables).toEqual([{ schema: 'dbo', name: 'X', rowCount: 3 }]);
  });
});
