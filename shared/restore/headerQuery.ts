// RESTORE HEADERONLY with exact LSNs. LSNs are decimal(25,0) and beyond 2^53, but the driver
// hands decimals over as JavaScript numbers, so reading HEADERONLY directly would round them.
// Instead the result set is captured with INSERT ... EXEC into a table variable and the LSN
// columns are selected as text. INSERT ... EXEC needs the table to match the server's result set
// column for column: these are SQL Server 2022's (and a managed instance's) HEADERONLY columns.
import { Statement, str } from '../sql/statement';

const HEADERONLY_2022: [string, string][] = [
  ['BackupName', 'nvarchar(128)'], ['BackupDescription', 'nvarchar(255)'], ['BackupType', 'smallint'], ['ExpirationDate', 'datetime'],
  ['Compressed', 'bit'], ['Position', 'smallint'], ['DeviceType', 'tinyint'], ['UserName', 'nvarchar(128)'], ['ServerName', 'nvarchar(128)'],
  ['DatabaseName', 'nvarchar(128)'], ['DatabaseVersion', 'int'], ['DatabaseCreationDate', 'datetime'], ['BackupSize', 'numeric(20,0)'],
  ['FirstLSN', 'numeric(25,0)'], ['LastLSN', 'numeric(25,0)'], ['CheckpointLSN', 'numeric(25,0)'], ['DatabaseBackupLSN', 'numeric(25,0)'],
  ['BackupStartDate', 'datetime'], ['BackupFinishDate', 'datetime'], ['SortOrder', 'smallint'], ['CodePage', 'smallint'],
  ['UnicodeLocaleId', 'int'], ['UnicodeComparisonStyle', 'int'], ['CompatibilityLevel', 'tinyint'], ['SoftwareVendorId', 'int'],
  ['SoftwareVersionMajor', 'int'], ['SoftwareVersionMinor', 'int'], ['SoftwareVersionBuild', 'int'], ['MachineName', 'nvarchar(128)'],
  ['Flags', 'int'], ['BindingID', 'uniqueidentifier'], ['RecoveryForkID', 'uniqueidentifier'], ['Collation', 'nvarchar(128)'],
  ['FamilyGUID', 'uniqueidentifier'], ['HasBulkLoggedData', 'bit'], ['IsSnapshot', 'bit'], ['IsReadOnly', 'bit'], ['IsSingleUser', 'bit'],
  ['HasBackupChecksums', 'bit'], ['IsDamaged', 'bit'], ['BeginsLogChain', 'bit'], ['HasIncompleteMetaData', 'bit'], ['IsForceOffline', 'bit'],
  ['IsCopyOnly', 'bit'], ['FirstRecoveryForkID', 'uniqueidentifier'], ['ForkPointLSN', 'numeric(25,0)'], ['RecoveryModel', 'nvarchar(60)'],
  ['DifferentialBaseLSN', 'numeric(25,0)'], ['DifferentialBaseGUID', 'uniqueidentifier'], ['BackupTypeDescription', 'nvarchar(60)'],
  ['BackupSetGUID', 'uniqueidentifier'], ['CompressedBackupSize', 'bigint'], ['Containment', 'tinyint'], ['KeyAlgorithm', 'nvarchar(32)'],
  ['EncryptorThumbprint', 'varbinary(20)'], ['EncryptorType', 'nvarchar(32)'], ['LastValidRestoreTime', 'datetime'], ['TimeZone', 'nvarchar(32)'],
  ['CompressionAlgorithm', 'nvarchar(32)'],
];

const LSN_COLUMNS = new Set(['FirstLSN', 'LastLSN', 'CheckpointLSN', 'DatabaseBackupLSN', 'DifferentialBaseLSN', 'ForkPointLSN']);

/** Whether the exact (INSERT ... EXEC) form works on this target: SQL Server 2022+ and managed instances. */
export function exactHeaderSupported(major: number, engineEdition: number): boolean {
  return major >= 16 || engineEdition === 8;
}

export function headerOnlyExact(url: string): Statement {
  const columns = HEADERONLY_2022.map(([name, type]) => `${name} ${type}`).join(', ');
  const select = HEADERONLY_2022.map(([name]) => (LSN_COLUMNS.has(name) ? `CAST(${name} AS varchar(25)) AS ${name}` : name)).join(', ');
  return Statement.build([
    `SET NOCOUNT ON;\nDECLARE @h TABLE (${columns});\n`,
    "INSERT INTO @h EXEC sp_executesql N'RESTORE HEADERONLY FROM URL = @u', N'@u nvarchar(max)', @u = ",
    str('url', url),
    `;\nSELECT ${select} FROM @h;`,
  ]);
}
