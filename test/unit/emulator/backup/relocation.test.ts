import type { BackupHeader } from '../../../../emulator/backup/format';
import { checkSpace, directoryOf, managedInstanceFiles, sqlServerFiles, volumeOf } from '../../../../emulator/backup/relocation';
import { formatVersion, softwareVersion, supportedDatabaseVersion } from '../../../../emulator/backup/versions';
import { managedInstanceConfig, sqlServerConfig, TestHost } from '../../../integration/emulator/backup/testHost';

const MB = 1024 * 1024;
const DATA = sqlServerConfig().defaultDataPath;

const header = {
  databaseName: 'Src',
  files: [
    { fileId: 1, logicalName: 'Src', physicalName: `${DATA}\\Src.mdf`, type: 'D', fileGroupName: 'PRIMARY', sizeBytes: 10 * MB, backupPages: 1, uniqueId: 'a' },
    { fileId: 2, logicalName: 'Src_log', physicalName: `${DATA}\\Src_log.ldf`, type: 'L', fileGroupName: null, sizeBytes: 2 * MB, backupPages: 1, uniqueId: 'b' },
  ],
} as unknown as BackupHeader;

describe('file relocation', () => {
  it('splits folders of Windows and Linux paths and names volumes', () => {
    expect(directoryOf('C:\\a\\b\\x.mdf')).toBe('C:\\a\\b');
    expect(directoryOf('/var/opt/mssql/data/x.mdf')).toBe('/var/opt/mssql/data');
    expect(volumeOf('D:\\Data\\x.mdf')).toBe('D:\\');
    expect(volumeOf('/var/opt/mssql/data/x.mdf')).toBe('/');
  });

  it('keeps the backup paths when they exist and no file is taken', () => {
    const planned = sqlServerFiles(new TestHost(sqlServerConfig()), header, [], 'Copy', undefined);
    expect(planned.ok && planned.files.map((f) => [f.logicalName, f.type, f.physicalName])).toEqual([
      ['Src', 'ROWS', `${DATA}\\Src.mdf`],
      ['Src_log', 'LOG', `${DATA}\\Src_log.ldf`],
    ]);
  });

  it('may reuse the files of the database it replaces, not those of another one (1834)', () => {
    const host = new TestHost(sqlServerConfig());
    const src = host.createDatabase('Src');
    expect(sqlServerFiles(host, header, [], 'Src', src).ok).toBe(true);
    const other = sqlServerFiles(host, header, [], 'Copy', undefined);
    expect(other.ok ? [] : other.errors.map((e) => e.number)).toEqual([1834, 3156, 1834, 3156, 3119]);
  });

  it('refuses two files moved to the same path (3156)', () => {
    const moves = [
      { logicalName: 'Src', physicalName: `${DATA}\\same.mdf` },
      { logicalName: 'src_LOG', physicalName: `${DATA}\\SAME.mdf` },
    ];
    const r = sqlServerFiles(new TestHost(sqlServerConfig()), header, moves, 'Copy', undefined);
    expect(r.ok ? [] : r.errors.map((e) => e.number)).toEqual([3156, 3119]);
  });

  it('places managed-instance files under its own folders', () => {
    const config = managedInstanceConfig();
    const files = managedInstanceFiles(config, header, () => 'ABC');
    expect(files.map((f) => f.physicalName)).toEqual([`${config.defaultDataPath}\\abc.mdf`, `${config.defaultLogPath}\\abc.ldf`]);
  });

  it('counts the replaced database as freed space', () => {
    const host = new TestHost(sqlServerConfig({ freeSpaceBytes: 5 * MB }));
    const files = [{ fileId: 1, type: 'ROWS' as const, logicalName: 'x', physicalName: `${DATA}\\x.mdf`, sizeBytes: 12 * MB }];
    expect(checkSpace(host, files, undefined).map((e) => e.number)).toEqual([3257, 3119]);
    const replaced = host.createDatabase('Old', { dataBytes: 4 * MB });
    expect(checkSpace(host, files, replaced)).toEqual([]);
  });
});

describe('versions', () => {
  it('follows the engine: 957 on SQL Server 2022 and its policy, higher on Always-up-to-date', () => {
    expect(supportedDatabaseVersion(sqlServerConfig())).toBe(957);
    expect(supportedDatabaseVersion(managedInstanceConfig())).toBe(957);
    expect(supportedDatabaseVersion(managedInstanceConfig({ updatePolicy: 'Always-up-to-date' }))).toBeGreaterThan(supportedDatabaseVersion(sqlServerConfig({ majorVersion: 17 })));
    expect(formatVersion(softwareVersion(sqlServerConfig()))).toBe('16.00.4135');
  });
});
