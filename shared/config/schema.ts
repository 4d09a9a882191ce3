// The estate file: what the app manages and how. One zod schema is the source of truth for
// validation, TypeScript types and the exported JSON Schema (estate.schema.json) that editors use.
import { z } from 'zod';

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'use 1-63 letters, digits, "-", "_" or "." (starting with a letter or digit)');

const settingName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/, 'must be the name of an app setting (in Azure, a Key Vault reference), not the secret itself');

const databaseName = z
  .string()
  .min(1)
  .max(128, 'SQL Server database names are at most 128 characters');

const sqlAuth = z.strictObject({
  type: z.literal('sql'),
  user: z.string().min(1),
  /** the app setting that holds the password (a Key Vault reference in Azure) */
  passwordSetting: settingName,
});

const entraAuth = z.strictObject({
  type: z.literal('entra'),
  /** a user-assigned managed identity's client id; omit for the system-assigned identity */
  clientId: z.string().uuid().optional(),
});

export const instanceSchema = z.strictObject({
  name,
  kind: z.enum(['sqlServer', 'managedInstance']),
  endpoint: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(1433),
    /** trust the server certificate without a CA check (only for local rehearsal) */
    trustServerCertificate: z.boolean().default(false),
  }),
  /** required for managed instances: /subscriptions/…/providers/Microsoft.Sql/managedInstances/NAME */
  armResourceId: z.string().optional(),
  auth: z.discriminatedUnion('type', [sqlAuth, entraAuth]),
  /** production databases are never replaced, swapped or dropped without a rule allowing it and an approval */
  environment: z.enum(['production', 'nonProduction']).default('nonProduction'),
  /** databases whose environment differs from the instance's (e.g. a non-production copy on a production instance) */
  databases: z.array(z.strictObject({ name: databaseName, environment: z.enum(['production', 'nonProduction']) })).default([]),
  /** where restored files go on SQL Server; defaults to the instance's InstanceDefaultDataPath/LogPath */
  paths: z.strictObject({ data: z.string().min(1), log: z.string().min(1) }).optional(),
});

export const backupContainerSchema = z.strictObject({
  name,
  /** the container URL, e.g. https://acct.blob.core.windows.net/backups */
  url: z.string().url(),
  /** the storage account's resource id: BlobCreated events from other accounts are refused */
  storageAccountResourceId: z.string().optional(),
  auth: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('managedIdentity') }),
      z.strictObject({ type: z.literal('connectionSetting'), setting: settingName }),
    ])
    .default({ type: 'managedIdentity' }),
  /**
   * A container of the same storage account where the chain of a managed-instance restore is
   * staged for the Log Replay Service (one flat folder per operation, removed afterwards).
   */
  logReplayContainer: z
    .string()
    .regex(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'a container name: 3-63 lower-case letters, digits and single hyphens')
    .refine((v) => !/(^|[^a-z])backups?([^a-z]|$)/.test(v), 'the Log Replay Service refuses folders named with the word "backup" or "backups"; choose another name')
    .default('mi-autopilot-lrs'),
});

export const restoreRuleSchema = z.strictObject({
  name,
  enabled: z.boolean().default(true),
  container: name,
  /** blob path with named captures: {server} {database} {type} {stripe} {stripes} {timestamp}, and * */
  pathPattern: z.string().min(1),
  target: z.strictObject({
    instance: name,
    /** the restored database's name; may use the pattern's captures, e.g. "{database}_restored" */
    database: z.string().min(1).max(128),
  }),
  onExisting: z.enum(['fail', 'replace', 'swap']).default('fail'),
  /**
   * a target that is production (its instance, its database, or a database in a link) may be
   * replaced or swapped only when this is true, and then only after an approval
   */
  allowProductionTarget: z.boolean().default(false),
  verify: z.enum(['none', 'verifyonly', 'checkdb']).default('verifyonly'),
  postRestoreScripts: z.array(z.string().min(1)).default([]),
  validation: z.strictObject({ rowCounts: z.boolean().default(true) }).default({ rowCounts: true }),
  /** how long to wait for the remaining stripes of a striped backup */
  stripeTimeoutMinutes: z.number().int().min(1).max(7 * 24 * 60).default(120),
  /** with swap: how many previous copies (renamed) to keep before dropping the oldest */
  keepPreviousCopies: z.number().int().min(0).max(10).default(0),
  notify: z.array(name).default([]),
});

const sixFieldCron = z.string().min(1);

/** a sanitizing script: inline T-SQL, or a .sql file stored beside the estate */
export const sanitizeScriptSchema = z.union([
  z.string().min(1),
  z.strictObject({
    path: z
      .string()
      .min(1)
      .max(1024)
      .refine((p) => !p.split(/[\\/]/).includes('..'), 'a script path stays beside the estate: no ".." segments'),
  }),
]);

export const refreshJobSchema = z.strictObject({
  name,
  enabled: z.boolean().default(true),
  /** NCRONTAB, six fields: second minute hour day month day-of-week (in timeZone), e.g. "0 0 2 * * SUN" */
  schedule: sixFieldCron,
  /** the IANA time zone the schedule is read in, e.g. "Europe/Berlin" (daylight saving time followed) */
  timeZone: z.string().min(1).default('UTC'),
  source: z.strictObject({ instance: name, database: databaseName }),
  target: z.strictObject({ instance: name, database: databaseName }),
  /** the container the copy-only backup is written to */
  container: name,
  /** a refresh always restores beside the live copy and swaps it in: it never restores over it */
  onExisting: z.literal('swap').default('swap'),
  /**
   * run in order in the staging copy before it goes live (GO separates batches): T-SQL written
   * here, or {"path": "sanitize/mask.sql"}, a file stored beside the estate (the estate blob's
   * container in Azure, the estate file's folder locally)
   */
  sanitizeScripts: z.array(sanitizeScriptSchema).default([]),
  keepPreviousCopies: z.number().int().min(0).max(10).default(0),
  /** a table whose row count differs from the source's by more than this percent fails the run before the swap */
  rowCountTolerancePercent: z.number().min(0).max(100).default(0),
  /** sessions on the old copy get this long to end on their own before they are ended */
  sessionGraceSeconds: z.number().int().min(0).max(3600).default(60),
  /** the refresh's backup blobs are deleted this long after the run (retention) */
  keepBackupsHours: z.number().min(0).max(24 * 90).default(24),
  notify: z.array(name).default([]),
});

export const failoverPolicySchema = z.strictObject({
  mode: z.enum(['notify', 'approval', 'automatic']).default('notify'),
  /** the playbooks that may run for this link, by a signal or by hand (REFERENCE 3) */
  allowedTypes: z.array(z.enum(['planned', 'forced', 'failback', 'offline-failback', 'cutover', 'split-brain-repair'])).min(1).default(['planned']),
  /** forced failover only if the estimated data loss (seconds of lag at the last good sample) is within this */
  dataLossBudgetSeconds: z.number().min(0).default(0),
  cooldownMinutes: z.number().int().min(0).default(60),
  consecutiveSignals: z.number().int().min(1).default(3),
  /** an approval not given within this many minutes ends the operation APPROVAL_EXPIRED */
  approvalTimeoutMinutes: z.number().int().min(1).max(1440).default(30),
  dryRun: z.boolean().default(false),
  /** planned: the last hardened LSNs must match on both sides for this long before the failover */
  lsnHoldSeconds: z.number().int().min(0).max(600).default(10),
  /** planned: give up (back to asynchronous, roles untouched) when they do not match within this */
  convergeTimeoutSeconds: z.number().int().min(10).max(3600).default(300),
  /** planned: switch back to asynchronous commit after the failover */
  returnToAsync: z.boolean().default(true),
  /** split-brain repair and offline failback: the backup container their backups go to (default: the estate's first) */
  backupContainer: name.optional(),
});

export const redirectSchema = z.strictObject({
  /** /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone} */
  zoneResourceId: z.string().min(1),
  /** the CNAME's name in the zone, e.g. app-sales */
  recordName: z.string().min(1),
  ttlSeconds: z.number().int().min(0).default(30),
  /** the host each side's CNAME points to; default: the instance's endpoint host */
  hostNames: z.strictObject({ sqlServer: z.string().min(1).optional(), managedInstance: z.string().min(1).optional() }).default({}),
});

export const linkSchema = z.strictObject({
  name,
  sqlServer: z.strictObject({ instance: name, availabilityGroup: z.string().min(1) }),
  managedInstance: z.strictObject({ instance: name }),
  distributedAvailabilityGroup: z.string().min(1),
  databases: z.array(databaseName).min(1),
  /** which side is meant to be primary; the other being primary is reported (ROLE_DRIFT) */
  primary: z.enum(['sqlServer', 'managedInstance']).default('sqlServer'),
  health: z
    .strictObject({
      maxLagSeconds: z.number().min(0).default(60),
      maxLogSendQueueKb: z.number().min(0).default(1_048_576),
      maxRedoQueueKb: z.number().min(0).default(1_048_576),
      /** a health state changes only after this many consecutive samples agree */
      samplesToChange: z.number().int().min(1).default(3),
      /** the SQL Server endpoint certificate expiring within this many days degrades the link */
      certificateWarningDays: z.number().min(0).default(30),
      /** the SQL Server log of a linked database more full than this degrades the link (the link holds truncation) */
      maxLogUsedPercent: z.number().min(0).max(100).default(80),
      /** a link leaving healthy is sampled again this often until its state settles */
      confirmSeconds: z.number().int().min(1).max(600).default(10),
    })
    .default({ maxLagSeconds: 60, maxLogSendQueueKb: 1_048_576, maxRedoQueueKb: 1_048_576, samplesToChange: 3, certificateWarningDays: 30, maxLogUsedPercent: 80, confirmSeconds: 10 }),
  failover: failoverPolicySchema.default({
    mode: 'notify',
    allowedTypes: ['planned'],
    dataLossBudgetSeconds: 0,
    cooldownMinutes: 60,
    consecutiveSignals: 3,
    approvalTimeoutMinutes: 30,
    dryRun: false,
    lsnHoldSeconds: 10,
    convergeTimeoutSeconds: 300,
    returnToAsync: true,
  }),
  /** client redirection after a failover: a CNAME in an Azure Private DNS zone */
  redirect: redirectSchema.optional(),
});

export const alertRouteSchema = z.strictObject({
  name,
  match: z
    .strictObject({
      alertRule: z.string().optional(),
      severity: z.array(z.enum(['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4'])).optional(),
      monitorCondition: z.enum(['Fired', 'Resolved']).optional(),
      targetResourceId: z.string().optional(),
    })
    .default({}),
  action: z.enum(['notify', 'failover']),
  /** the link a failover route acts on */
  link: name.optional(),
  /** where notifications go: an app setting holding a webhook URL */
  webhookSetting: settingName.optional(),
});

export const estateSchema = z.strictObject({
  $schema: z.string().optional(),
  instances: z.array(instanceSchema).default([]),
  backupContainers: z.array(backupContainerSchema).default([]),
  restoreRules: z.array(restoreRuleSchema).default([]),
  refreshJobs: z.array(refreshJobSchema).default([]),
  links: z.array(linkSchema).default([]),
  alertRoutes: z.array(alertRouteSchema).default([]),
});

export type Estate = z.infer<typeof estateSchema>;
export type InstanceConfig = z.infer<typeof instanceSchema>;
export type BackupContainerConfig = z.infer<typeof backupContainerSchema>;
export type RestoreRule = z.infer<typeof restoreRuleSchema>;
export type RefreshJob = z.infer<typeof refreshJobSchema>;
export type SanitizeScript = z.infer<typeof sanitizeScriptSchema>;
export type LinkConfig = z.infer<typeof linkSchema>;
export type FailoverPolicy = z.infer<typeof failoverPolicySchema>;
export type AlertRoute = z.infer<typeof alertRouteSchema>;
export type RedirectConfig = z.infer<typeof redirectSchema>;
