// SQL Server's backup/restore messages with their real numbers, states and severities. Every text
// here is SQL Server's own (sys.messages); numbers marked UNCONFIRMED were not checked against a
// primary source and are SQL Server's most plausible choice.
import { SqlError } from '../sqlError';
import type { SqlMessage } from '../tds/types';

/** 'BACKUP DATABASE', 'BACKUP LOG', 'RESTORE DATABASE', 'RESTORE LOG', 'RESTORE HEADERONLY', ... */
export type StatementName = string;

export function msg(number: number, severity: number, message: string, state = 1): SqlMessage {
  return { number, state, class: severity, message };
}

/** 3013 "<statement> is terminating abnormally." after the errors that explain it. */
export function terminating(statement: StatementName, preceding: SqlMessage[]): SqlError {
  return new SqlError(3013, 1, 16, `${statement} is terminating abnormally.`, preceding);
}

/** An inner error wrapped by 3013, the way every backup/restore failure reaches the client. */
export function failWith(statement: StatementName, ...inner: SqlMessage[]): SqlError {
  return terminating(statement, inner);
}

export const osErrors = {
  fileNotFound: '2(The system cannot find the file specified.)',
  pathNotFound: '3(The system cannot find the path specified.)',
  accessDenied: '5(Access is denied.)',
  notSupported: '50(The request is not supported.)',
  badPassword: '86(The specified network password is not correct.)',
  /** a block blob that ran out of blocks (the backup-to-URL troubleshooting article's output) */
  ioDevice: '1117(The request could not be performed because of an I/O device error.)',
  endOfFile: '38(Reached the end of the file.)',
  // UNCONFIRMED: what SQL Server prints when the storage endpoint cannot be reached at all
  cannotConnect: '12029(A connection with the server could not be established.)',
} as const;

export const m = {
  cannotOpenDevice: (device: string, osError: string) =>
    msg(3201, 16, `Cannot open backup device '${device}'. Operating system error ${osError}.`, 2),
  /** BACKUP TO URL onto an existing blob without WITH FORMAT; the 409 text is UNCONFIRMED */
  blobExists: (url: string) =>
    msg(
      3271,
      16,
      `A nonrecoverable I/O error occurred on file "${url}:" Backup to URL received an exception from the remote endpoint. Exception Message: The remote server returned an error: (409) Conflict..`,
    ),
  readFailed: (device: string, osError: string) => msg(3203, 16, `Read on "${device}" failed: ${osError}`),
  /**
   * A write to the device failed. A stripe of a backup to URL that reaches the block blob's 50,000
   * blocks fails this way (SQL Server's troubleshooting article shows Msg 3202 with OS error 1117,
   * then 3013; its error log says 3063 "Write to backup block blob device ... failed. Device has
   * reached its limit of allowed blocks.", which the emulator has no error log to show).
   */
  writeFailed: (device: string, osError: string) => msg(3202, 16, `Write on "${device}" failed: ${osError}`),
  aborted: () => msg(3204, 16, 'The backup or restore was aborted.'),
  mediaFamilies: (familyCount: number, provided: number) =>
    msg(3132, 16, `The media set has ${familyCount} media families but only ${provided} are provided. All members must be provided.`),
  familyTwice: (device: string, family: number, otherDevice: string) =>
    msg(
      3227,
      16,
      `The backup media on "${device}" is part of media family ${family} which has already been processed on "${otherDevice}". Ensure that backup devices are correctly specified. For tape devices, ensure that the correct volumes are loaded.`,
    ),
  incorrectlyFormed: (device: string) =>
    msg(3241, 16, `The media family on device '${device}' is incorrectly formed. SQL Server cannot process this media family.`),
  badEnd: (device: string) =>
    msg(
      3266,
      16,
      `The backup data at the end of "${device}" is incorrectly formatted. Backup sets on the media might be damaged and unusable. To determine the backup sets on the media, use RESTORE HEADERONLY. To determine the usability of the backup sets, run RESTORE VERIFYONLY. If all of the backup sets are incomplete, reformat the media using BACKUP WITH FORMAT, which destroys all the backup sets.`,
    ),
  versionIncompatible: (backupVersion: string, serverVersion: string) =>
    msg(
      3169,
      16,
      `The database was backed up on a server running version ${backupVersion}. That version is incompatible with this server, which is running version ${serverVersion}. Either restore the database on a server that supports the backup, or use a backup that is compatible with this server.`,
    ),
  otherDatabase: (db: string) => msg(3154, 16, `The backup set holds a backup of a database other than the existing '${db}' database.`),
  tailNotBackedUp: (db: string) =>
    msg(
      3159,
      16,
      `The tail of the log for the database "${db}" has not been backed up. Use BACKUP LOG WITH NORECOVERY to backup the log if it contains work you do not want to lose. Use the WITH REPLACE or WITH STOPAT clause of the RESTORE statement to just overwrite the contents of the log.`,
    ),
  exclusiveAccess: () => msg(3101, 16, 'Exclusive access could not be obtained because the database is in use.'),
  directoryLookup: (file: string, osError: string) =>
    msg(5133, 16, `Directory lookup for the file "${file}" failed with the operating system error ${osError}.`),
  useMove: (logical: string, physical: string) =>
    msg(3156, 16, `File '${logical}' cannot be restored to '${physical}'. Use WITH MOVE to identify a valid location for the file.`),
  planningProblems: () =>
    msg(3119, 16, 'Problems were identified while planning for the RESTORE statement. Previous messages provide details.'),
  fileInUse: (file: string, db: string) => msg(1834, 16, `The file '${file}' cannot be overwritten.  It is being used by database '${db}'.`),
  logicalNotInBackup: (logical: string, db: string) =>
    msg(3234, 16, `Logical file '${logical}' is not part of database '${db}'. Use RESTORE FILELISTONLY to list the logical file names.`),
  insufficientSpace: (volume: string, required: number, available: number) =>
    msg(
      3257,
      16,
      `There is insufficient free space on disk volume '${volume}' to create the database. The database requires ${required} additional free bytes, while only ${available} bytes are available.`,
    ),
  certificateMissing: (thumbprint: string) => msg(33111, 16, `Cannot find server certificate with thumbprint '${thumbprint}'.`, 3),
  miCertificateMissing: (thumbprint: string) =>
    msg(
      41923,
      16,
      `Cannot find server certificate with thumbprint '${thumbprint}'. Please use PowerShell Cmdlet 'Add-AzureRmSqlManagedInstanceTransparentDataEncryptionCertificate' to create the certificate.`,
    ),
  logTooRecent: (first: bigint, needed: bigint) =>
    msg(
      4305,
      16,
      `The log in this backup set begins at LSN ${first}, which is too recent to apply to the database. An earlier log backup that includes LSN ${needed} can be restored.`,
    ),
  logTooEarly: (last: bigint, needed: bigint) =>
    msg(
      4326,
      16,
      `The log in this backup set terminates at LSN ${last}, which is too early to apply to the database. A more recent log backup that includes LSN ${needed} can be restored.`,
    ),
  differentialBaseMismatch: () =>
    msg(3136, 16, 'This differential backup cannot be restored because the database has not been restored to the correct earlier state.'),
  noFilesToRollForward: () =>
    msg(3117, 16, 'The log or differential backup cannot be restored because no files are ready to rollforward.'),
  databaseMissingForRestore: (db: string) =>
    msg(3118, 16, `The database "${db}" does not exist. RESTORE can only create a database when restoring either a full backup or a file backup of the primary file.`),
  wrongBackupKind: (device: string, createdBy: string) =>
    msg(3135, 16, `The backup set in file '${device}' was created by ${createdBy} and cannot be used for this restore operation.`),
  noChecksums: () => msg(3187, 16, 'RESTORE WITH CHECKSUM cannot be specified because the backup set does not contain checksum information.'),
  alreadyRecovered: () => msg(3153, 16, 'The database is already fully recovered.'),
  logNotRestored: () => msg(4333, 16, 'The database cannot be recovered because the log was not restored.'),
  fileIdNotFound: (file: number, device: string) => msg(4038, 16, `Cannot find file ID ${file} on device '${device}'.`),
  noDifferentialBase: (db: string) =>
    msg(
      3035,
      16,
      `Cannot perform a differential backup for database "${db}", because a current database backup does not exist. Perform a full database backup by reissuing BACKUP DATABASE, omitting the WITH DIFFERENTIAL option.`,
    ),
  noLogBase: () =>
    msg(4214, 16, 'BACKUP LOG cannot be performed because there is no current database backup.'),
  logOnSimple: (statement: string) =>
    msg(
      4208,
      16,
      `The statement ${statement} is not allowed while the recovery model is SIMPLE. Use BACKUP DATABASE or change the recovery model using ALTER DATABASE.`,
    ),
  databaseNotFound: (db: string) =>
    msg(911, 16, `Database '${db}' does not exist. Make sure that the name is entered correctly.`),
  databaseRestoring: (db: string) => msg(927, 14, `Database '${db}' cannot be opened. It is in the middle of a restore.`),
  databaseOffline: (db: string) => msg(942, 14, `Database '${db}' cannot be opened because it is offline.`, 4),
  tooManyDevices: (max: number) => msg(3205, 16, `Too many backup devices specified for backup or restore; only ${max} are allowed.`),
  databaseExists: (db: string) => msg(1801, 16, `Database '${db}' already exists. Choose a different database name.`, 3),
  notRecognizedOption: (option: string, statement: 'BACKUP' | 'RESTORE') =>
    msg(155, 15, `'${option}' is not a recognized ${statement} option.`),
  optionConflict: (option: string, others: string) =>
    msg(3031, 16, `Option '${option}' conflicts with option(s) '${others}'. Remove the conflicting option and reissue the statement.`),
  valueOutOfRange: (value: number, parameter: string) => msg(3250, 16, `The value '${value}' is not within range for the ${parameter} parameter.`),
  pagesProcessed: (pages: number, db: string, file: string) =>
    msg(4035, 10, `Processed ${pages} pages for database '${db}', file '${file}' on file 1.`, 0),
  percentProcessed: (percent: number) => msg(3211, 10, `${percent} percent processed.`, 0),
  successfullyProcessed: (statement: string, pages: number, seconds: number, mbPerSec: number) =>
    msg(3014, 10, `${statement} successfully processed ${pages} pages in ${seconds.toFixed(3)} seconds (${mbPerSec.toFixed(3)} MB/sec).`, 0),
  backupSetValid: () => msg(3262, 10, 'The backup set on file 1 is valid.', 0),
  // a page whose checksum does not match (RESTORE, or VERIFYONLY of a backup with checksums)
  damagedPage: (page: number, database: string) => msg(3183, 16, `RESTORE detected an error on page (1:${page}) in database "${database}" as read from the backup set.`),
  damagedBackupSet: () => msg(3189, 16, 'Damage to the backup set was detected.'),
  // managed instance (sys.messages 419xx)
  miOptionsNotSupported: (options: string) =>
    msg(
      41901,
      16,
      `One or more of the options (${options}) are not supported for this statement in SQL Database Managed Instance. Review the documentation for supported options.`,
    ),
  miDeviceNotSupported: () =>
    msg(41902, 16, 'Unsupported device type. SQL Database Managed Instance supports database restore from URI backup device only.'),
  miCopyOnlyRequired: () =>
    msg(41904, 16, 'BACKUP DATABASE failed. SQL Database Managed Instance supports only COPY_ONLY full database backups which are initiated by user.'),
  miStatementNotSupported: (statement: string) =>
    msg(41906, 16, `Statement '${statement}' is not supported in SQL Database Managed Instance.`),
  miMultipleBackupSets: () => msg(41919, 16, 'Multiple backup sets in a single backup file are not supported in SQL Database Managed Instance.'),
  miMultipleLogFiles: () =>
    msg(41921, 16, 'Restoring from a backup that contains multiple log files is not supported in SQL Database Managed Instance.'),
  miServiceManagedTde: () =>
    msg(
      41922,
      16,
      'The backup operation for a database with service-managed transparent data encryption is not supported on SQL Database Managed Instance.',
    ),
  miBackupStorageType: () =>
    msg(41975, 16, 'Unsupported storage type. Azure SQL Managed Instance does not support database backup to the provided storage type.'),
};
