// SQL Server's restore errors turned into the app's stable codes and sentences a DBA reads at
// night (REFERENCE.md 9.1). The server's own text follows, for the details.
import type { ErrorCode } from '../errors';

export interface RestoreFailure {
  code: ErrorCode;
  message: string;
}

const BY_NUMBER: Record<number, { code: ErrorCode; says: string }> = {
  3201: { code: 'CREDENTIAL_OR_BLOB_REFUSED', says: 'the instance could not open the backup blob with the container credential (a missing or refused SAS, or a missing blob)' },
  3132: { code: 'STRIPES_MISSING', says: 'not every stripe of the striped backup was given' },
  3169: { code: 'BACKUP_NEWER_THAN_TARGET', says: 'the backup comes from a newer SQL Server version than the target runs' },
  3154: { code: 'TARGET_EXISTS', says: 'the target holds a different database and the restore was not allowed to replace it' },
  1801: { code: 'TARGET_EXISTS', says: 'the target database already exists on the managed instance, which cannot overwrite it' },
  3101: { code: 'TARGET_IN_USE', says: 'the target database is in use and could not be taken exclusively' },
  5133: { code: 'FILE_RELOCATION_FAILED', says: 'a data or log file could not be placed where the restore put it' },
  3156: { code: 'FILE_RELOCATION_FAILED', says: 'a file of the backup cannot be restored to its original location' },
  1834: { code: 'FILE_RELOCATION_FAILED', says: 'a file name the restore would use belongs to another database' },
  33111: { code: 'TDE_CERTIFICATE_MISSING', says: 'the backup is encrypted with TDE and the target lacks the certificate or key (a managed instance\'s customer-managed key must reach SQL Server through the Key Vault connector; a service-managed key never leaves the instance)' },
  41923: { code: 'TDE_CERTIFICATE_MISSING', says: "the backup is encrypted with TDE and the managed instance lacks the certificate (upload it with Add-AzSqlManagedInstanceTransparentDataEncryptionCertificate, or back up with a key the instance has)" },
  4305: { code: 'LOG_CHAIN_BROKEN', says: 'a log backup does not continue the chain restored so far' },
  4326: { code: 'LOG_CHAIN_BROKEN', says: 'a log backup ends before the point the chain has reached' },
  3136: { code: 'LOG_CHAIN_BROKEN', says: 'the differential backup belongs to another full backup' },
  3257: { code: 'NOT_ENOUGH_SPACE', says: 'the target volume has not enough free space for the database' },
  41901: { code: 'MANAGED_INSTANCE_REFUSED', says: 'the managed instance refused the RESTORE options' },
  3241: { code: 'BACKUP_DAMAGED', says: 'the backup blob is damaged or incomplete' },
  3266: { code: 'BACKUP_DAMAGED', says: 'the backup blob is truncated or damaged' },
  3183: { code: 'BACKUP_DAMAGED', says: 'a page of the backup failed its checksum: the backup is damaged (take a new one; the database it was meant to replace is untouched unless the restore was in place)' },
  3189: { code: 'BACKUP_DAMAGED', says: 'RESTORE VERIFYONLY found the backup damaged (a page failed its checksum); nothing was restored' },
  3203: { code: 'RESTORE_INTERRUPTED', says: 'reading the backup failed while the restore ran' },
  3204: { code: 'RESTORE_INTERRUPTED', says: 'the restore was stopped' },
};

/** Classifies by the most telling number (the first known one; 3013 is only the wrapper). */
export function restoreFailure(numbers: readonly number[], serverText: string): RestoreFailure {
  const known = numbers.find((n) => BY_NUMBER[n] !== undefined);
  const entry = known !== undefined ? BY_NUMBER[known] : undefined;
  if (!entry) {
    // Agent's words when the job's session died under it (the instance restarted, or KILL)
    if (/session was killed|stopped prior to completion|never finished/i.test(serverText)) {
      return { code: 'RESTORE_INTERRUPTED', message: `the restore was cut off while it ran (the instance restarted, or its session was killed). SQL Server said: ${serverText}` };
    }
    return { code: 'RESTORE_FAILED', message: `the restore failed: ${serverText}` };
  }
  return { code: entry.code, message: `${entry.says}. SQL Server said: ${serverText}` };
}

/** Error numbers mentioned in an Agent job history message: "... (Error 3201) ...". */
export function numbersInJobMessage(message: string): number[] {
  return [...message.matchAll(/\(Error (\d+)\)|Msg (\d+)/g)].map((m) => Number(m[1] ?? m[2]));
}
