import { BackupFormatError, decodeBackup, encodeBackup, MAX_PADDING_BYTES, paddingFor, type BackupHeader } from '../../../../emulator/backup/format';

function header(overrides: Partial<BackupHeader> = {}): BackupHeader {
  return {
    mediaSetId: 'A1B2C3D4-0000-4000-8000-000000000001',
    mediaFamilyId: 'A1B2C3D4-0000-4000-8000-000000000002',
    familyCount: 2,
    familySequenceNumber: 1,
    mediaName: null,
    backupSetGuid: 'A1B2C3D4-0000-4000-8000-000000000003',
    backupType: 5,
    position: 1,
    backupName: 'nightly',
    backupDescription: null,
    databaseName: 'Sales',
    serverName: 'SQL1',
    machineName: 'SQL1',
    userName: 'sa',
    databaseVersion: 957,
    softwareVersionMajor: 16,
    softwareVersionMinor: 0,
    softwareVersionBuild: 4135,
    firstLsn: 37000000013600001n,
    lastLsn: 37000000013700001n,
    checkpointLsn: 37000000013600001n,
    databaseBackupLsn: 37000000012000001n,
    differentialBaseLsn: 37000000012000001n,
    differentialBaseGuid: 'A1B2C3D4-0000-4000-8000-000000000004',
    backupStartDate: new Date('2026-01-02T03:04:05.000Z'),
    backupFinishDate: new Date('2026-01-02T03:04:09.000Z'),
    databaseCreationDate: new Date('2025-06-01T00:00:00.000Z'),
    compressed: true,
    hasBackupChecksums: true,
    isCopyOnly: false,
    recoveryModel: 'FULL',
    collation: 'SQL_Latin1_General_CP1_CI_AS',
    compatibilityLevel: 160,
    familyGuid: 'A1B2C3D4-0000-4000-8000-000000000005',
    tde: 'customerManaged',
    tdeThumbprint: '0x0123456789ABCDEF0123456789ABCDEF01234567',
    sourceKind: 'managedInstance',
    sourceUpdatePolicy: 'SQL Server 2022',
    backupSizeBytes: 10 * 1024 * 1024,
    compressedBackupSizeBytes: 4 * 1024 * 1024,
    files: [
      { fileId: 1, logicalName: 'data_0', physicalName: 'C:\\x\\data_0.mdf', type: 'D', fileGroupName: 'PRIMARY', sizeBytes: 8388608, backupPages: 1024, uniqueId: 'U1' },
      { fileId: 2, logicalName: 'log', physicalName: 'C:\\x\\log.ldf', type: 'L', fileGroupName: null, sizeBytes: 8388608, backupPages: 2, uniqueId: 'U2' },
    ],
    tables: [{ schema: 'dbo', name: 'Orders', rowCount: 42 }],
    ...overrides,
  };
}

describe('backup file format', () => {
  it('round-trips every field, LSNs as exact bigints and dates as dates', () => {
    const h = header();
    const decoded = decodeBackup(encodeBackup(h));
    expect(decoded).toEqual(h);
    expect(typeof decoded.firstLsn).toBe('bigint');
    expect(decoded.backupStartDate).toBeInstanceOf(Date);
  });

  it('keeps a null differential base', () => {
    const h = header({ backupType: 1, differentialBaseLsn: null, differentialBaseGuid: null });
    expect(decodeBackup(encodeBackup(h)).differentialBaseLsn).toBeNull();
  });

  it('pads with the nominal size per family, capped', () => {
    expect(paddingFor(0)).toBe(0);
    expect(paddingFor(1024 * 100)).toBe(100);
    expect(paddingFor(1e12)).toBe(MAX_PADDING_BYTES);
    const small = encodeBackup(header({ backupSizeBytes: 0 }));
    const big = encodeBackup(header({ backupSizeBytes: 1e12 }));
    // the metadata differs only by the digits of the nominal size
    const metadataGrowth = String(1e12).length - String(0).length;
    expect(big.length - small.length - metadataGrowth).toBe(MAX_PADDING_BYTES);
  });

  it('detects a flipped metadata byte as malformed (3241)', () => {
    const blob = encodeBackup(header());
    blob[50] ^= 0x01;
    expect(() => decodeBackup(blob)).toThrow(expect.objectContaining({ kind: 'malformed' }));
  });

  it('detects a blob that is not a backup at all as malformed', () => {
    expect(() => decodeBackup(Buffer.from('hello world, this is not a backup file at all'))).toThrow(BackupFormatError);
    expect(() => decodeBackup(Buffer.alloc(3))).toThrow(expect.objectContaining({ kind: 'malformed' }));
  });

  it('detects truncation before or after the metadata as truncated (3266)', () => {
    const blob = encodeBackup(header());
    expect(() => decodeBackup(blob.subarray(0, 100))).toThrow(expect.objectContaining({ kind: 'truncated' }));
    expect(() => decodeBackup(blob.subarray(0, blob.length - 1))).toThrow(expect.objectContaining({ kind: 'truncated' }));
  });
});
