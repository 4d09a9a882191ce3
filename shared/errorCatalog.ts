// Every error code the app gives, in one place: what it means, whether trying again can help, and
// what a DBA does about it. AppError and a step's fail() take only these codes (the type says so),
// the HTTP status comes from here, and the README's table is rendered from it (a test keeps the
// two equal: `npm run docs:errors` rewrites the table).

export type ErrorArea = 'request' | 'engine' | 'configuration' | 'connection' | 'restore' | 'failover' | 'refresh';

export interface CatalogEntry {
  area: ErrorArea;
  /** what happened, in a DBA's words */
  meaning: string;
  /** whether the same thing, tried again later, can succeed (the engine retries only these) */
  transient: boolean;
  /** what to do */
  action: string;
  /** the HTTP status when the API answers with it (default 500) */
  http?: number;
}

const entry = (area: ErrorArea, meaning: string, action: string, options: { transient?: boolean; http?: number } = {}): CatalogEntry => ({
  area,
  meaning,
  action,
  transient: options.transient ?? false,
  http: options.http,
});

export const ERROR_CATALOG = {
  // the API and its requests
  BAD_REQUEST: entry('request', 'the request is malformed: not JSON, too large, a field missing or out of range, an id that is not one', 'correct the request as the message says; nothing was started or changed', { http: 400 }),
  OPERATION_NOT_FOUND: entry('request', 'no operation has that id (retention deletes finished ones after RETENTION_DAYS)', 'check the id in GET /api/operations', { http: 404 }),
  LINK_NOT_FOUND: entry('request', 'no link of the estate has that name', 'check the name in GET /api/links (names come from the estate file\'s links[])', { http: 404 }),
  NOT_AWAITING_APPROVAL: entry('request', 'an approval or rejection was sent to an operation that is not waiting for one', 'look at the operation: it may have been decided, cancelled or expired already', { http: 409 }),
  NOT_RETRYABLE: entry('request', 'only a failed or cancelled operation can be retried', 'wait for the operation to end, or cancel it first', { http: 409 }),
  TARGET_PROTECTED: entry('request', 'the operation would replace, swap or drop a production database, and nothing allows it', 'choose a non-production target; a rule may allow a production target, and then an approval is asked', { http: 403 }),

  // the operation engine
  CANCELLED: entry('engine', 'someone cancelled the operation; its cleanup undid unfinished work (the message says what)', 'nothing; retry it (POST /api/operations/{id}/retry) if it was a mistake'),
  APPROVAL_REJECTED: entry('engine', 'an approver rejected the operation; its cleanup undid unfinished work', 'nothing; the audit trail names the approver'),
  APPROVAL_EXPIRED: entry('engine', 'nobody approved or rejected the operation in time; nothing past the approval point was done', 'start the operation again if it is still wanted', { http: 409 }),
  DEADLINE_EXCEEDED: entry('engine', 'the operation did not finish by its deadline; its cleanup stopped what was running', 'read what the cleanup did in the message; retry with a later deadline if the work is just slow'),
  POISON_MESSAGE: entry('engine', 'the worker failed on every delivery of the operation (or started one step over and over without finishing it); the operation was ended through its cleanup', 'read the last error in the message and the function logs; retry once the cause is fixed'),
  STEP_NOT_FOUND: entry('engine', 'the operation is at a step this version of the app does not have (it was started by another version)', 'deploy the version that started it, or retry the operation'),
  STEP_RESULT_TOO_LARGE: entry('engine', 'a step produced more state than an operation record holds; the result was not kept', 'report it: this is a defect in the playbook (large data belongs in the JSON store)'),
  OPERATION_TOO_LARGE: entry('engine', 'a part of an operation record would exceed the storage limit of 30,000 characters', 'report it; for a request, send less'),
  OPERATION_STATE_INVALID: entry('engine', "the operation's stored input or state does not fit its playbook (another app version wrote it, or it was edited)", 'retry the operation with this version'),
  PLAYBOOK_NOT_FOUND: entry('engine', 'no playbook of this kind is registered in this version of the app', 'deploy the version that knows the kind'),
  CONCURRENCY_CONFLICT: entry('engine', 'two writers changed the same record (an operation, a refresh job\'s runs, a link\'s decisions) at once, and this one gave up after its retries', 'nothing for an operation (retried on its own); for a request, send it again', { transient: true }),
  TARGET_LOCK_LOST: entry('engine', 'the operation lost a lock it held (it expired while a step ran); the step result was not kept', 'nothing (retried on its own); if it repeats, the lock TTL is too short for the step', { transient: true }),
  BAD_WORK_MESSAGE: entry('engine', 'a message on the work or link confirmation queue is not what the app writes', 'nothing: it goes to the poison queue; look at what wrote it'),
  UNEXPECTED_ERROR: entry('engine', 'an error the app does not know how to classify', 'read the message; report it if it is not about your environment'),

  // the app's own configuration
  CONFIGURATION_INVALID: entry('configuration', 'an app setting or host.json value is invalid or unsafe (e.g. a function timeout not below the operation lease plus grace)', 'fix the setting the message names; the app does not start until then', { http: 503 }),
  ESTATE_NOT_CONFIGURED: entry('configuration', 'no estate is configured', 'set ESTATE_BLOB_URL (Azure), ESTATE_FILE or ESTATE_JSON', { http: 503 }),
  ESTATE_FILE_NOT_FOUND: entry('configuration', 'a file the estate names (a sanitizing script) is not beside the estate, or cannot be read', "store it in the estate's folder (the estate blob's container in Azure, the estate file's folder locally) under the path the estate gives"),
  ESTATE_NOT_FOUND: entry('configuration', 'the estate file or blob cannot be read', 'check the path, and that the app can read it', { http: 503 }),
  ESTATE_INVALID: entry('configuration', 'the estate has problems, each listed with its JSON path', 'fix the estate; a blob estate keeps its last good version meanwhile', { http: 503 }),
  ESTATE_BLOB_ELSEWHERE: entry('configuration', "ESTATE_BLOB_URL is not in the app's own storage account", 'put the estate blob in the storage account of AzureWebJobsStorage', { http: 503 }),
  STORAGE_SETTINGS_MISSING: entry('configuration', 'a storage connection (AzureWebJobsStorage or a container\'s setting) is not configured', 'set the connection string, or the __accountName / service URI settings for the managed identity'),
  STORAGE_SETTINGS_INVALID: entry('configuration', 'a storage connection string is malformed', 'fix the connection string'),
  SQL_PASSWORD_MISSING: entry('configuration', "the app setting holding an instance's SQL password is not set", 'set the setting the message names (a Key Vault reference in Azure)'),
  BAD_CONTAINER_URL: entry('configuration', 'a backup container URL names no container', 'fix backupContainers[].url in the estate'),
  BAD_RESOURCE_ID: entry('configuration', 'an armResourceId is not a managed instance resource id', 'fix instances[].armResourceId in the estate'),

  // reaching the servers
  STORAGE_ERROR: entry('connection', 'Azure Storage refused or failed a request (its status and code are in the message)', 'check the app identity\'s roles on the account; 5xx and 429 are retried on their own', { transient: true }),
  NETWORK_ERROR: entry('connection', 'a connection failed (reset, refused, timed out, name not resolved)', 'nothing if it passes (retried on its own); check the network path if it persists', { transient: true }),
  ARM_REQUEST_FAILED: entry('connection', 'Azure Resource Manager refused or failed a request (its code and status are in the message)', 'read ARM\'s code; throttling and 5xx are retried, a refused action is not'),
  SQL: entry('connection', 'SQL Server or the managed instance answered with an error: SQL_<number> (e.g. SQL_18456: login failed), or the driver failed: SQL_ELOGIN, SQL_ESOCKET, SQL_ETIMEOUT, SQL_ECONNCLOSED…', 'read the server\'s text in the message; transient numbers (40613, 1205, 4060 …) and socket failures are retried on their own'),
  BAD_SAS: entry('connection', 'a SAS token the app signed is not in the expected form', 'report it'),
  BAD_IDENTIFIER: entry('connection', 'a name cannot be quoted safely as a T-SQL identifier (too long, or a control character)', 'rename the database or file; nothing was sent to the server'),
  BAD_LITERAL: entry('connection', 'a value cannot be written safely as a T-SQL literal', 'report it; nothing was sent to the server'),

  // restores
  TARGET_UNREACHABLE: entry('restore', 'the target instance could not be reached for longer than RESTORE_UNREACHABLE_MINUTES (default 15); the restore waited, then stopped', 'bring the instance back or fix the network path, then retry the operation'),
  TARGET_UNKNOWN: entry('restore', 'the restore targets an instance that is no longer in the estate', 'put the instance back, or retry with another target'),
  CONTAINER_UNKNOWN: entry('restore', 'the restore reads a backup container that is no longer in the estate', 'put the container back in the estate'),
  BACKUP_NOT_FOUND: entry('restore', 'the backup blob is no longer in its container', 'upload it again'),
  BACKUP_CHANGED: entry('restore', 'a backup blob was replaced after it was inspected; nothing was restored from the new one', 'the new upload starts its own restore; nothing to do'),
  BACKUP_UNREADABLE: entry('restore', 'the backup header cannot be read as SQL Server describes it', 'check that the blob is a complete SQL Server backup'),
  BACKUP_DAMAGED: entry('restore', 'the backup is damaged or truncated (SQL Server 3241, 3266, 3013)', 'take or upload the backup again'),
  STRIPES_MISSING: entry('restore', 'not every stripe of a striped backup arrived within stripeTimeoutMinutes', 'upload the missing stripes (named in the message), then retry'),
  TOO_MANY_BACKUPS: entry('restore', 'more than 500 files match the rule for one database', 'move older backups elsewhere or tighten the rule\'s pathPattern'),
  NO_FULL_BACKUP: entry('restore', 'a differential or log backup arrived with no full backup to start the chain', 'upload the full backup it depends on'),
  LOG_CHAIN_GAP: entry('restore', 'the log chain has a gap (the missing LSN range is in the message)', 'upload the missing log backups'),
  LOG_CHAIN_BROKEN: entry('restore', 'SQL Server refused a file as not continuing the chain (4305, 4326, 3136)', 'restore from a consistent chain'),
  MIXED_DATABASES: entry('restore', 'the files matched for one restore come from different databases', 'tighten the rule\'s pathPattern so one restore sees one database'),
  MULTIPLE_BACKUP_SETS: entry('restore', 'a blob holds more than one backup set', 'back up WITH FORMAT, one backup set per file'),
  INCONSISTENT_MEDIA_SET: entry('restore', 'stripes of one backup disagree about their media set', 'upload the stripes of one backup together'),
  UNSUPPORTED_BACKUP_TYPE: entry('restore', 'the backup is of a type the app does not restore (file, filegroup, partial)', 'restore it by hand'),
  LSN_PRECISION: entry('restore', 'the target is too old to report LSNs exactly, and a chain needs them exact', 'restore the chain on SQL Server 2022 or a managed instance'),
  CREDENTIAL_FAILED: entry('restore', 'the container credential could not be created on the target', 'check the app login\'s rights on the target (ALTER ANY CREDENTIAL)'),
  CREDENTIAL_OR_BLOB_REFUSED: entry('restore', 'the target could not open the backup blob with the credential (3201: a refused SAS, or a missing blob)', 'check that the target can reach the storage account and that the blob exists'),
  BACKUP_NEWER_THAN_TARGET: entry('restore', 'the backup was taken on a newer SQL Server version than the target runs', 'restore on an instance of the same or a newer version'),
  NOT_PORTABLE_UPDATE_POLICY: entry('restore', "the managed instance's update policy does not allow its backups on this SQL Server version", 'set the instance to the SQL Server 2022 (or 2025) update policy, or restore to a managed instance'),
  TDE_SERVICE_MANAGED: entry('restore', "the backup is encrypted with the managed instance's service-managed TDE key, which never leaves Azure", 'switch the instance to a customer-managed key (and give SQL Server that key) before backing up'),
  TDE_CERTIFICATE_MISSING: entry('restore', 'the backup is encrypted with TDE and the target lacks the certificate or key (33111)', 'create the certificate or Key Vault connection on the target first'),
  PORTABILITY_UNKNOWN: entry('restore', "the managed instance's update policy and TDE protector could not be read from ARM", 'check the app identity\'s read access to the managed instance'),
  TARGET_EXISTS: entry('restore', 'the target database exists and the rule says onExisting: fail (or SQL Server refused to overwrite it)', 'drop or rename it, or change the rule to swap or replace'),
  TARGET_IN_USE: entry('restore', 'the target database is in use and could not be taken exclusively (3101)', 'close the sessions, or use onExisting: swap'),
  NOT_ENOUGH_SPACE: entry('restore', "the target has not enough free space for the database (3257); a refresh checks before it starts that the staging copy fits beside the live copy", 'free space on the target volume or instance (for a refresh: or keep fewer previous copies)'),
  FILE_RELOCATION_FAILED: entry('restore', 'a data or log file could not be placed where the restore put it (5133, 3156, 1834)', 'check the instance\'s paths in the estate and the folders\' permissions'),
  NO_FILE_LOCATION: entry('restore', 'the target reports no default data and log folders', 'set paths on the instance in the estate'),
  MANAGED_INSTANCE_REFUSED: entry('restore', 'the managed instance refused the RESTORE (41901)', 'read the server\'s text; a managed instance takes no WITH options'),
  CHAIN_NEEDS_LOG_REPLAY: entry('restore', 'a differential or log chain onto a managed instance needs the Log Replay Service, which the app reaches through ARM, and it has no ARM access or no armResourceId', 'give the instance its armResourceId and the app ARM access (in Azure, its managed identity)'),
  LOG_REPLAY_REFUSED: entry('restore', 'the Log Replay Service refused to start', 'read ARM\'s reason in the message'),
  LOG_REPLAY_FAILED: entry('restore', 'the Log Replay Service stopped restoring (its blockReason is in the message); it was stopped and its database removed', 'fix what the reason says, then retry'),
  LOG_REPLAY_STAGING_FAILED: entry('restore', 'copying the chain into the staging folder for the Log Replay Service failed', 'check the app identity\'s rights on the staging container'),
  RESTORE_FAILED: entry('restore', 'SQL Server ended the RESTORE with an error the app has no finer code for (its text is in the message)', 'read the server\'s text'),
  RESTORE_INTERRUPTED: entry('restore', 'the RESTORE stopped while it ran (3203, 3204): the backup could not be read, or the restore was stopped', 'retry; if it repeats, check the storage account and the backup'),
  NOT_ONLINE: entry('restore', 'the restored database is not ONLINE after the restore', 'look at the database on the target; it is dropped when it was a staging copy'),
  RESTORED_BACKUP_MISMATCH: entry('restore', "msdb's restore history names another backup set than the one planned for the copy (someone else restored into the same name meanwhile)", 'look at who restores into that name; the copy is dropped when it was a staging copy'),
  CHECKDB_FAILED: entry('restore', 'DBCC CHECKDB found problems in the restored copy (the staging copy is dropped; the existing database is untouched)', 'check the source database and take a new backup'),
  POST_RESTORE_SCRIPT_FAILED: entry('restore', "one of the rule's post-restore scripts failed; the restored database is in place", 'fix the script (its error is in the message) and run it by hand'),

  // non-production refresh
  REFRESH_JOB_NOT_FOUND: entry('request', 'no refresh job of the estate has that name', "check the name in GET /api/refreshes (names come from the estate file's refreshJobs[])", { http: 404 }),
  REFRESH_NOT_STARTED: entry('refresh', 'a run asked through the API was not started: a run for that moment already started', 'GET /api/refreshes shows the run that did start', { http: 409 }),
  REFRESH_RUNNING: entry('refresh', 'a run of the job is still going: a job runs once at a time (a scheduled slot waits for it and then runs once)', 'wait for it (GET /api/operations/{id}) or cancel it (POST /api/operations/{id}/cancel), then run the job again', { http: 409 }),
  REFRESH_NOT_SUPPORTED: entry('refresh', 'a managed instance to managed instance refresh is a point-in-time restore through ARM, and the app has no ARM to ask or the estate lacks an instance\'s armResourceId', 'run the app in Azure (or set ARM_ENDPOINT locally) and give both managed instances their armResourceId in the estate'),
  SOURCE_NOT_FOUND: entry('refresh', "the refresh job's source database does not exist on its instance", "correct the job's source in the estate"),
  STAGING_EXISTS: entry('refresh', 'the staging name the refresh would restore into, or the name it would give the old copy, already exists on the target (a leftover)', 'drop the leftover database on the target, then run the job again'),
  SANITIZE_SCRIPT_NOT_FOUND: entry('refresh', 'a sanitizing script the job names by path is not beside the estate, or cannot be read', "store the .sql file beside the estate (the estate blob's folder in Azure, the estate file's folder locally) under that path; nothing was touched"),
  SANITIZE_SCRIPT_EMPTY: entry('refresh', 'a sanitizing script of the job has no T-SQL batch (only GO separators or blank lines)', "fix the job's sanitizeScripts in the estate; nothing was touched"),
  SANITIZE_FAILED: entry('refresh', 'a sanitizing script failed in the staging copy (the server\'s message is included); the staging copy was dropped and the old copy was not touched', 'fix the script and run the job again (POST /api/refreshes/{job}/run)'),
  VALIDATION_FAILED: entry('refresh', "row counts of the staging copy differ from the source's beyond the job's rowCountTolerancePercent; the copy did not go live", "look at the differences in the error (a sanitizing script that deletes rows needs a tolerance), then run again"),
  BACKUP_TOO_LARGE: entry('refresh', 'the source database is larger than a backup to URL can hold: it would need more stripes (blobs of at most about 156 GiB each, at MAXTRANSFERSIZE 4 MiB) than the instance allows (64 on SQL Server, 32 on a managed instance)', 'refresh from a smaller copy, or move the data with the link or Log Replay Service instead'),
  // failover and failback playbooks
  FAILOVER_NOT_STARTED: entry('failover', 'a failover asked through the API was not started: the decision (stored with every reason) says why, e.g. the type is not allowed, the cooldown runs, the link is not healthy enough for a planned failover', 'read the decision in the answer or in GET /api/links/{name}/decisions', { http: 409 }),
  FAILOVER_PRECHECK_FAILED: entry('failover', "a failover playbook's checks found a reason not to go on before anything was changed (roles not as expected, a side unreachable, the update policy or TDE forbidding the direction)", 'fix what the failed checks name; a dry run shows every check without changing anything'),
  PLANNED_FAILOVER_TIMEOUT: entry('failover', "the last hardened LSNs of both sides did not match (and stay equal for the hold time) within the policy's convergeTimeoutSeconds; the link was put back to asynchronous commit and the roles were not touched", 'stop the workload on the primary (or let the secondary catch up), then start the planned failover again'),
  FAILOVER_SIDE_UNREACHABLE: entry('failover', 'a side the playbook must act on or read does not answer', 'the playbook tries again for a while on its own; check the instance and the network', { transient: true }),
  FAILOVER_REFUSED: entry('failover', 'Azure or SQL Server refused the role change (the message has their code and text)', 'read the refusal: wait for the link to synchronize, or fix what it names, then start again'),
  FAILOVER_NOT_VERIFIED: entry('failover', 'after the role change the two sides did not report the expected roles within the wait: each side\'s role is in the message', 'look at both sides (GET /api/links/{name}); the link-health sweep keeps watching'),
  SPLIT_BRAIN_UNRESOLVED: entry('failover', 'the split-brain repair could not tell which side keeps the workload, or the old primary did not come back as a synchronizing secondary', "name the side to keep ({\"keep\": \"managedInstance\"}) in POST /api/failovers, or repair by hand as REFERENCE 3.7 says; the diverged data's backup is named in the output"),
  BACKUP_FAILED: entry('failover', 'SQL Server ended a BACKUP the playbook needed (the diverged log before a demotion, the copy-only backup of an offline failback) with an error; nothing after it was done', "read the server's text (credential, container, space); start the playbook again"),
  LINK_NOT_REMOVED: entry('failover', "the migration cutover could not remove the link: the managed instance's first automated full backup did not come in time, or ARM refused the delete", 'wait for the backup (msdb.dbo.backupset on the managed instance) and start the cutover again; the failover itself has happened'),
  // failover: pointing the applications' connection name (a Private DNS CNAME) at the new primary
  REDIRECT_TARGET_INVALID: entry('failover', "a link's client redirection cannot be used as written: the zone is not a Private DNS zone resource id, or the record name, TTL or host name is not valid", "fix the link's redirection in the estate; nothing was changed"),
  REDIRECT_ZONE_NOT_FOUND: entry('failover', 'the Private DNS zone holding the connection name does not exist, or the app cannot see it', "check the zone's resource id, and that the app's identity has the CNAME read/write role on it (infra/: mi-autopilot CNAME writer)"),
  REDIRECT_CONFLICT: entry('failover', 'the connection name changed under every attempt to update it: another writer changes the CNAME between each read and write', 'find the other writer (a script, a policy); the app tries again on its own', { transient: true }),
  REDIRECT_NOT_APPLIED: entry('failover', 'the CNAME was written but reads back pointing elsewhere (another writer or a policy put it back); clients still go to the host the message names', "look in the zone's activity log for who changes the record; point it by hand if the clients must move now"),
} as const satisfies Record<string, CatalogEntry>;

export type CatalogCode = keyof typeof ERROR_CATALOG;

/** A code the app may give: one of the catalog's, or SQL_<number or driver code> for SQL Server's own. */
export type ErrorCode = Exclude<CatalogCode, 'SQL'> | `SQL_${string}`;

export function catalogEntry(code: string): CatalogEntry | undefined {
  if (/^SQL_[A-Z0-9]+$/.test(code)) return ERROR_CATALOG.SQL;
  return (ERROR_CATALOG as Record<string, CatalogEntry>)[code];
}

const AREA_TITLES: Record<ErrorArea, string> = {
  request: 'The API',
  engine: 'Operations',
  configuration: 'Configuration',
  connection: 'Reaching the servers',
  restore: 'Restores',
  failover: 'Failover',
  refresh: 'Refresh',
};

/** The README's table of error codes, rendered from the catalog. */
export function renderErrorTable(): string {
  const lines: string[] = [];
  for (const area of Object.keys(AREA_TITLES) as ErrorArea[]) {
    lines.push(`**${AREA_TITLES[area]}**`, '', '| code | what happened | retried | what to do |', '| --- | --- | --- | --- |');
    for (const [code, e] of Object.entries(ERROR_CATALOG) as Array<[string, CatalogEntry]>) {
      if (e.area !== area) continue;
      const shown = code === 'SQL' ? '`SQL_*`' : `\`${code}\``;
      lines.push(`| ${shown} | ${e.meaning} | ${e.transient ? 'yes' : 'no'} | ${e.action} |`);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}
