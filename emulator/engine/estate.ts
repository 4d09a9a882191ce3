// The estate file: which instances to emulate, with their databases, tables and row counts, TDE,
// recovery models and logins. Validated with plain checks that name the bad field, then turned
// into EmulatedInstances.
import { readFileSync } from 'node:fs';
import type { EngineClock } from './clock';
import type { DatabaseUser, InstanceConfig, InstanceKind, RecoveryModel, TdeKind, UpdatePolicy } from './model';
import { FIRST_USER_PRINCIPAL_ID, loginSid, parseSid } from './principals';
import { DEFAULT_FIRST_FULL_AFTER_SECONDS, DEFAULT_FULL_INTERVAL_HOURS } from './automatedBackups';
import { EmulatedInstance } from './instance';
import { SUPPORTED_MAJOR_VERSIONS } from './versions';
import { validateLinkFault, type LinkFaultSpec } from '../link/faults';

export interface EstateTable {
  schema?: string;
  name: string;
  rows: number;
  encryptedColumns?: string[];
  heap?: boolean;
}

export interface EstateDatabase {
  name: string;
  recoveryModel?: RecoveryModel;
  tde?: TdeKind;
  /** transactions per second that advance the log (0 = idle) */
  workloadTps?: number;
  compatibilityLevel?: number;
  /** data file size; estimated from the row counts when absent */
  sizeMB?: number;
  tables?: EstateTable[];
  /**
   * the database's users (beside dbo, guest and the other built-in principals): each created for a
   * login of this instance (`login`, default: the login of the user's name), taking that login's
   * SID, or with an explicit `sid` ('0x…': a user whose login is elsewhere, orphaned here unless a
   * login has that SID); `defaultSchema` defaults to dbo
   */
  users?: EstateUser[];
  /**
   * managed instance only: the database already has an automated full backup, finished at this
   * ISO date-time (msdb shows it; the next one follows fullIntervalHours later). Absent: the
   * database counts as created when the estate starts, and its first one follows
   * automatedBackups.firstFullAfterSeconds later.
   */
  automatedFullBackupAt?: string;
}

export interface EstateLogin {
  name: string;
  /** a SQL login; or, instead, entraObjectId for an Entra login (FROM EXTERNAL PROVIDER) */
  password?: string;
  entraObjectId?: string;
  sysadmin?: boolean;
  /**
   * a SQL login's SID, '0x' and 32 hex digits (CREATE LOGIN ... WITH SID). Absent: sa has 0x01,
   * another SQL login a SID of its own on this instance (the same name on another instance has
   * another SID, as in real life), an Entra login the SID of its object id
   */
  sid?: string;
}

export interface EstateUser {
  name: string;
  /** the login of this instance the user is for (default: the user's name, unless `sid` is given) */
  login?: string;
  /** '0x…' (1-85 bytes): the user's SID when it is for no login of this instance */
  sid?: string;
  defaultSchema?: string;
}

export interface EstateCredential {
  name: string;
  identity: string;
  secret?: string;
}

export interface EstateInstance {
  name: string;
  kind: InstanceKind;
  majorVersion?: number;
  updatePolicy?: UpdatePolicy;
  /** @@SERVERNAME (defaults to the name) */
  serverName?: string;
  machineName?: string;
  /** fixed TCP port; 0 or absent = any free port */
  port?: number;
  throughputMBps?: number;
  /** free space on the instance's volume at the start (default 512); creating and restoring databases consume it */
  freeSpaceGB?: number;
  /**
   * managed instance only, instead of freeSpaceGB: the reserved storage (ARM storageSizeInGB, a
   * multiple of 32); free space is what the databases leave of it
   */
  storageSizeGB?: number;
  defaultDataPath?: string;
  defaultLogPath?: string;
  defaultBackupPath?: string;
  /** more folders that exist on the emulated host (WITH MOVE targets) */
  directories?: string[];
  logins: EstateLogin[];
  databases?: EstateDatabase[];
  credentials?: EstateCredential[];
  /**
   * managed instance only (SQL Server takes no automated backups): when the service takes its full
   * backups. firstFullAfterSeconds: from a database coming to exist (created, restored, seeded by a
   * link, or present at the start) to the start of its first full backup (default 300; 0 = at once,
   * on the next workload tick); fullIntervalHours: from one full backup to the next (default 168)
   */
  automatedBackups?: { firstFullAfterSeconds?: number; fullIntervalHours?: number };
}

/** A Managed Instance link (distributed availability group) between a SQL Server and a managed instance. */
export interface EstateLink {
  name: string;
  sqlServer: { instance: string; availabilityGroup: string };
  managedInstance: { instance: string };
  databases: string[];
  /** KB per second the link carries (default: the link emulator's) */
  bandwidthKBps?: number;
  latencyMs?: number;
  /** KB per second the secondary redoes (default 20480) */
  redoRateKBps?: number;
  /** the side that starts as primary (default sqlServer) */
  primary?: 'sqlServer' | 'managedInstance';
  /** ARM replicationMode (default Async) */
  replicationMode?: 'Async' | 'Sync';
  /** false: the databases are seeded first (with progress in the seeding DMVs and ARM); default true */
  seeded?: boolean;
  /** faults the link starts with, as the admin API takes them (emulator/link/faults.ts) */
  faults?: LinkFaultSpec[];
}

export interface Estate {
  /** simulated milliseconds per real millisecond (restores, WAITFOR, workload); 1 = real time */
  clockSpeed?: number;
  instances: EstateInstance[];
  links?: EstateLink[];
}

export class EstateError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid estate:\n  - ${problems.join('\n  - ')}`);
    this.name = 'EstateError';
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const IDENTIFIER = /^[^\x00-\x1f\]]{1,128}$/;

/** checks a parsed estate file; throws EstateError listing every problem found */
export function validateEstate(value: unknown): Estate {
  const problems: string[] = [];
  const need = (ok: boolean, message: string): boolean => {
    if (!ok) problems.push(message);
    return ok;
  };
  if (!need(isObject(value), 'the estate must be a JSON object')) throw new EstateError(problems);
  const estate = value as Json;
  if (estate.clockSpeed !== undefined) need(typeof estate.clockSpeed === 'number' && estate.clockSpeed > 0, 'clockSpeed must be a number > 0');
  if (!need(Array.isArray(estate.instances) && estate.instances.length > 0, 'instances must be a non-empty array')) throw new EstateError(problems);
  const names = new Set<string>();
  (estate.instances as unknown[]).forEach((raw, i) => {
    const at = `instances[${i}]`;
    if (!need(isObject(raw), `${at} must be an object`)) return;
    const inst = raw as Json;
    const name = inst.name;
    if (need(typeof name === 'string' && /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(name), `${at}.name must be letters, digits and '-' (at most 63)`)) {
      need(!names.has((name as string).toLowerCase()), `${at}.name '${String(name)}' is used twice`);
      names.add((name as string).toLowerCase());
    }
    need(inst.kind === 'sqlServer' || inst.kind === 'managedInstance', `${at}.kind must be 'sqlServer' or 'managedInstance'`);
    if (inst.majorVersion !== undefined) {
      need(SUPPORTED_MAJOR_VERSIONS.includes(inst.majorVersion as number), `${at}.majorVersion must be one of ${SUPPORTED_MAJOR_VERSIONS.join(', ')}`);
    }
    if (inst.updatePolicy !== undefined) {
      need(inst.kind === 'managedInstance', `${at}.updatePolicy applies to managed instances only`);
      need(inst.updatePolicy === 'SQL Server 2022' || inst.updatePolicy === 'Always-up-to-date', `${at}.updatePolicy must be 'SQL Server 2022' or 'Always-up-to-date'`);
    }
    for (const key of ['serverName', 'machineName', 'defaultDataPath', 'defaultLogPath', 'defaultBackupPath']) {
      if (inst[key] !== undefined) need(typeof inst[key] === 'string' && (inst[key] as string).length > 0, `${at}.${key} must be a non-empty string`);
    }
    if (inst.port !== undefined) need(Number.isInteger(inst.port) && (inst.port as number) >= 0 && (inst.port as number) < 65536, `${at}.port must be an integer from 0 to 65535`);
    for (const key of ['throughputMBps', 'freeSpaceGB']) {
      if (inst[key] !== undefined) need(typeof inst[key] === 'number' && (inst[key] as number) >= 0, `${at}.${key} must be a number >= 0`);
    }
    if (inst.storageSizeGB !== undefined) {
      if (need(inst.kind === 'managedInstance', `${at}.storageSizeGB applies to managed instances only (a SQL Server's volume is sized by freeSpaceGB)`)) {
        need(Number.isInteger(inst.storageSizeGB) && (inst.storageSizeGB as number) >= 32 && (inst.storageSizeGB as number) % 32 === 0, `${at}.storageSizeGB must be a multiple of 32 (GB), at least 32`);
        need(inst.freeSpaceGB === undefined, `${at} sets both freeSpaceGB and storageSizeGB: set one (storageSizeGB is the reserved storage, free space is what the databases leave of it)`);
      }
    }
    if (inst.automatedBackups !== undefined) {
      if (need(inst.kind === 'managedInstance', `${at}.automatedBackups applies to managed instances only (SQL Server takes no automated backups)`)) {
        const ab = inst.automatedBackups;
        if (need(isObject(ab), `${at}.automatedBackups must be an object`)) {
          const o = ab as Json;
          for (const k of Object.keys(o)) need(k === 'firstFullAfterSeconds' || k === 'fullIntervalHours', `${at}.automatedBackups.${k} is not an option (firstFullAfterSeconds, fullIntervalHours)`);
          if (o.firstFullAfterSeconds !== undefined) need(typeof o.firstFullAfterSeconds === 'number' && o.firstFullAfterSeconds >= 0, `${at}.automatedBackups.firstFullAfterSeconds must be a number >= 0`);
          if (o.fullIntervalHours !== undefined) need(typeof o.fullIntervalHours === 'number' && o.fullIntervalHours > 0, `${at}.automatedBackups.fullIntervalHours must be a number > 0`);
        }
      }
    }
    if (inst.directories !== undefined) need(Array.isArray(inst.directories) && inst.directories.every((d) => typeof d === 'string'), `${at}.directories must be an array of strings`);
    if (need(Array.isArray(inst.logins) && inst.logins.length > 0, `${at}.logins must be a non-empty array`)) {
      (inst.logins as unknown[]).forEach((raw, j) => {
        const lat = `${at}.logins[${j}]`;
        if (!need(isObject(raw), `${lat} must be an object`)) return;
        const l = raw as Json;
        need(typeof l.name === 'string' && IDENTIFIER.test(l.name), `${lat}.name must be a login name`);
        if (l.entraObjectId !== undefined) {
          need(typeof l.entraObjectId === 'string' && /^[0-9a-f-]{36}$/i.test(l.entraObjectId), `${lat}.entraObjectId must be an Entra object id (a GUID)`);
          need(l.password === undefined, `${lat} is an Entra login (entraObjectId): it takes no password`);
        } else {
          need(typeof l.password === 'string' && l.password.length > 0, `${lat}.password must be a non-empty string (or entraObjectId for an Entra login)`);
        }
        if (l.sysadmin !== undefined) need(typeof l.sysadmin === 'boolean', `${lat}.sysadmin must be true or false`);
        if (l.sid !== undefined) {
          if (need(l.entraObjectId === undefined, `${lat} is an Entra login (entraObjectId): its SID is its object id's`)) {
            need(typeof l.sid === 'string' && /^0x[0-9a-fA-F]{32}$/.test(l.sid), `${lat}.sid must be '0x' and 32 hex digits (a SQL login's SID is binary(16))`);
          }
        }
      });
      const sids = new Map<string, string>();
      (inst.logins as unknown[]).forEach((raw, j) => {
        const l = raw as Json;
        if (!isObject(raw) || typeof l.sid !== 'string' || !/^0x[0-9a-fA-F]{32}$/.test(l.sid)) return;
        const key = l.sid.toUpperCase();
        need(!sids.has(key), `${at}.logins[${j}].sid is the SID of ${String(sids.get(key))} too (a SID names one login)`);
        sids.set(key, `logins[${j}]`);
      });
    }
    if (inst.credentials !== undefined && need(Array.isArray(inst.credentials), `${at}.credentials must be an array`)) {
      (inst.credentials as unknown[]).forEach((raw, j) => {
        const cat = `${at}.credentials[${j}]`;
        if (!need(isObject(raw), `${cat} must be an object`)) return;
        const c = raw as Json;
        need(typeof c.name === 'string' && c.name.length > 0, `${cat}.name must be a non-empty string`);
        need(typeof c.identity === 'string' && c.identity.length > 0, `${cat}.identity must be a non-empty string`);
        if (c.secret !== undefined) need(typeof c.secret === 'string', `${cat}.secret must be a string`);
      });
    }
    if (inst.databases !== undefined && need(Array.isArray(inst.databases), `${at}.databases must be an array`)) {
      const dbNames = new Set<string>(['master', 'tempdb', 'model', 'msdb']);
      const loginNames = Array.isArray(inst.logins) ? (inst.logins as unknown[]).filter(isObject).map((l) => (l as Json).name).filter((n): n is string => typeof n === 'string') : [];
      (inst.databases as unknown[]).forEach((d, j) => validateDatabase(d, `${at}.databases[${j}]`, dbNames, need, inst.kind as InstanceKind, loginNames));
    }
  });
  if (estate.links !== undefined && need(Array.isArray(estate.links), 'links must be an array')) {
    const instances = (estate.instances as Json[]).filter(isObject);
    const kindOf = (name: unknown): unknown => instances.find((i) => typeof i.name === 'string' && typeof name === 'string' && i.name.toLowerCase() === name.toLowerCase())?.kind;
    (estate.links as unknown[]).forEach((raw, i) => {
      const at = `links[${i}]`;
      if (!need(isObject(raw), `${at} must be an object`)) return;
      const link = raw as Json;
      need(typeof link.name === 'string' && IDENTIFIER.test(link.name), `${at}.name must be a name of 1-128 characters`);
      const sqlSide = isObject(link.sqlServer) ? link.sqlServer : {};
      const miSide = isObject(link.managedInstance) ? link.managedInstance : {};
      need(kindOf(sqlSide.instance) === 'sqlServer', `${at}.sqlServer.instance must name a sqlServer instance of the estate`);
      need(typeof sqlSide.availabilityGroup === 'string' && IDENTIFIER.test(sqlSide.availabilityGroup), `${at}.sqlServer.availabilityGroup must be a name`);
      need(kindOf(miSide.instance) === 'managedInstance', `${at}.managedInstance.instance must name a managedInstance of the estate`);
      need(Array.isArray(link.databases) && link.databases.length > 0 && link.databases.every((d) => typeof d === 'string'), `${at}.databases must be a non-empty array of names`);
      for (const k of ['bandwidthKBps', 'latencyMs', 'redoRateKBps']) {
        if (link[k] !== undefined) need(typeof link[k] === 'number' && (link[k] as number) >= 0, `${at}.${k} must be a number >= 0`);
      }
      if (link.primary !== undefined) need(link.primary === 'sqlServer' || link.primary === 'managedInstance', `${at}.primary must be 'sqlServer' or 'managedInstance'`);
      if (link.replicationMode !== undefined) need(link.replicationMode === 'Async' || link.replicationMode === 'Sync', `${at}.replicationMode must be 'Async' or 'Sync'`);
      if (link.seeded !== undefined) need(typeof link.seeded === 'boolean', `${at}.seeded must be true or false`);
      if (link.faults !== undefined && need(Array.isArray(link.faults), `${at}.faults must be an array`)) {
        (link.faults as unknown[]).forEach((f, k) => {
          try {
            validateLinkFault(f);
          } catch (e) {
            need(false, `${at}.faults[${k}]: ${e instanceof Error ? e.message : String(e)}`);
          }
        });
      }
    });
  }
  if (problems.length > 0) throw new EstateError(problems);
  return value as unknown as Estate;
}

function validateDatabase(raw: unknown, at: string, names: Set<string>, need: (ok: boolean, message: string) => boolean, kind: InstanceKind, loginNames: string[]): void {
  if (!need(isObject(raw), `${at} must be an object`)) return;
  const d = raw as Json;
  if (need(typeof d.name === 'string' && IDENTIFIER.test(d.name), `${at}.name must be a database name (1-128 characters)`)) {
    need(!names.has((d.name as string).toLowerCase()), `${at}.name '${String(d.name)}' already exists on this instance`);
    names.add((d.name as string).toLowerCase());
  }
  if (d.recoveryModel !== undefined) need(['FULL', 'SIMPLE', 'BULK_LOGGED'].includes(d.recoveryModel as string), `${at}.recoveryModel must be FULL, SIMPLE or BULK_LOGGED`);
  if (d.tde !== undefined) need(['none', 'serviceManaged', 'customerManaged'].includes(d.tde as string), `${at}.tde must be none, serviceManaged or customerManaged`);
  if (d.workloadTps !== undefined) need(typeof d.workloadTps === 'number' && d.workloadTps >= 0, `${at}.workloadTps must be a number >= 0`);
  if (d.sizeMB !== undefined) need(typeof d.sizeMB === 'number' && d.sizeMB > 0, `${at}.sizeMB must be a number > 0`);
  if (d.automatedFullBackupAt !== undefined) {
    if (need(kind === 'managedInstance', `${at}.automatedFullBackupAt applies to managed instances only (SQL Server takes no automated backups)`)) {
      need(typeof d.automatedFullBackupAt === 'string' && !Number.isNaN(Date.parse(d.automatedFullBackupAt)), `${at}.automatedFullBackupAt must be an ISO date-time`);
    }
  }
  if (d.compatibilityLevel !== undefined) need(Number.isInteger(d.compatibilityLevel) && (d.compatibilityLevel as number) >= 100 && (d.compatibilityLevel as number) <= 170, `${at}.compatibilityLevel must be an integer from 100 to 170`);
  if (d.users !== undefined && need(Array.isArray(d.users), `${at}.users must be an array`)) validateUsers(d.users as unknown[], `${at}.users`, need, loginNames);
  if (d.tables !== undefined && need(Array.isArray(d.tables), `${at}.tables must be an array`)) {
    const seen = new Set<string>();
    (d.tables as unknown[]).forEach((raw, k) => {
      const tat = `${at}.tables[${k}]`;
      if (!need(isObject(raw), `${tat} must be an object`)) return;
      const t = raw as Json;
      need(typeof t.name === 'string' && IDENTIFIER.test(t.name), `${tat}.name must be a table name`);
      if (t.schema !== undefined) need(typeof t.schema === 'string' && IDENTIFIER.test(t.schema), `${tat}.schema must be a schema name`);
      need(Number.isInteger(t.rows) && (t.rows as number) >= 0, `${tat}.rows must be an integer >= 0`);
      if (t.encryptedColumns !== undefined) need(Array.isArray(t.encryptedColumns) && t.encryptedColumns.every((c: unknown) => typeof c === 'string' && c.toLowerCase() !== 'id'), `${tat}.encryptedColumns must be column names (not Id)`);
      if (t.heap !== undefined) need(typeof t.heap === 'boolean', `${tat}.heap must be true or false`);
      const key = `${String(t.schema ?? 'dbo')}.${String(t.name)}`.toLowerCase();
      need(!seen.has(key), `${tat} '${key}' is listed twice`);
      seen.add(key);
    });
  }
}

const RESERVED_PRINCIPALS = ['public', 'dbo', 'guest', 'INFORMATION_SCHEMA', 'sys', 'db_owner', 'db_accessadmin', 'db_securityadmin', 'db_ddladmin', 'db_backupoperator', 'db_datareader', 'db_datawriter', 'db_denydatareader', 'db_denydatawriter'];

function validateUsers(users: unknown[], at: string, need: (ok: boolean, message: string) => boolean, loginNames: string[]): void {
  const seen = new Map<string, string>();
  const logins = new Map<string, string>();
  users.forEach((raw, k) => {
    const uat = `${at}[${k}]`;
    if (!need(isObject(raw), `${uat} must be an object`)) return;
    const u = raw as Json;
    if (!need(typeof u.name === 'string' && IDENTIFIER.test(u.name), `${uat}.name must be a user name`)) return;
    const name = u.name as string;
    need(!RESERVED_PRINCIPALS.some((r) => r.toLowerCase() === name.toLowerCase()), `${uat}.name '${name}' is a principal every database has`);
    need(!seen.has(name.toLowerCase()), `${uat}.name '${name}' is listed twice`);
    seen.set(name.toLowerCase(), name);
    for (const key of ['login', 'defaultSchema']) {
      if (u[key] !== undefined) need(typeof u[key] === 'string' && IDENTIFIER.test(u[key] as string), `${uat}.${key} must be a name`);
    }
    if (u.sid !== undefined) {
      need(typeof u.sid === 'string' && /^0x([0-9a-fA-F]{2}){1,85}$/.test(u.sid), `${uat}.sid must be '0x' and 1-85 bytes of hex`);
      need(u.login === undefined, `${uat} sets both login and sid: a user for a login takes the login's SID`);
      return;
    }
    const login = typeof u.login === 'string' ? u.login : name;
    if (!need(loginNames.some((l) => l.toLowerCase() === login.toLowerCase()), `${uat} is for login '${login}', which is not among the instance's logins (name one with login, or give the user a sid)`)) return;
    need(login.toLowerCase() !== 'sa', `${uat} is for login 'sa', which is dbo in every database`);
    need(!logins.has(login.toLowerCase()), `${uat} is for login '${login}' as ${String(logins.get(login.toLowerCase()))} is (a login has one user in a database)`);
    logins.set(login.toLowerCase(), `${at}[${k}]`);
  });
}

export function loadEstateFile(path: string): Estate {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new EstateError([`${path}: ${e instanceof Error ? e.message : String(e)}`]);
  }
  return validateEstate(parsed);
}

const GB = 1024 * 1024 * 1024;

function defaultPaths(inst: EstateInstance): { data: string; log: string; backup: string } {
  if (inst.kind === 'managedInstance') {
    const root = 'C:\\WFRoot\\DB16C.2\\Fabric\\work\\Applications\\Worker.CL_App15\\work\\data\\';
    return { data: root, log: root, backup: root };
  }
  const data = inst.defaultDataPath ?? '/var/opt/mssql/data/';
  return { data, log: data, backup: data };
}

export function instanceConfig(inst: EstateInstance): InstanceConfig {
  const paths = defaultPaths(inst);
  return {
    name: inst.name,
    kind: inst.kind,
    majorVersion: inst.majorVersion ?? 16,
    updatePolicy: inst.kind === 'managedInstance' ? (inst.updatePolicy ?? 'SQL Server 2022') : undefined,
    throughputMBps: inst.throughputMBps ?? 200,
    freeSpaceBytes: (inst.freeSpaceGB ?? 512) * GB,
    storageBytes: inst.kind === 'managedInstance' && inst.storageSizeGB !== undefined ? inst.storageSizeGB * GB : undefined,
    defaultDataPath: inst.defaultDataPath ?? paths.data,
    defaultLogPath: inst.defaultLogPath ?? paths.log,
    logins: inst.logins.map((l) => ({
      name: l.name,
      password: l.password ?? '',
      entraObjectId: l.entraObjectId,
      sysadmin: l.sysadmin ?? true,
      sid: l.sid === undefined ? undefined : parseSid(l.sid),
    })),
    automatedBackups:
      inst.kind === 'managedInstance'
        ? {
            firstFullAfterSeconds: inst.automatedBackups?.firstFullAfterSeconds ?? DEFAULT_FIRST_FULL_AFTER_SECONDS,
            fullIntervalHours: inst.automatedBackups?.fullIntervalHours ?? DEFAULT_FULL_INTERVAL_HOURS,
          }
        : undefined,
  };
}

/** a user of the estate file: for a login of the instance (its SID and kind), or with the SID given */
function estateUser(inst: EmulatedInstance, u: EstateUser, index: number, created: Date): DatabaseUser {
  const login = u.sid === undefined ? inst.findLogin(u.login ?? u.name) : undefined;
  return {
    name: u.name,
    principalId: FIRST_USER_PRINCIPAL_ID + index,
    type: login?.entraObjectId ? 'E' : 'S',
    sid: login ? loginSid(inst.config.name, login) : (parseSid(u.sid ?? '') ?? ''),
    defaultSchema: u.defaultSchema ?? 'dbo',
    createDate: created,
    modifyDate: created,
  };
}

/** builds one EmulatedInstance per estate entry, with its databases and credentials */
export function buildInstances(estate: Estate, clock?: EngineClock): EmulatedInstance[] {
  return estate.instances.map((spec) => {
    const config = instanceConfig(spec);
    const inst = new EmulatedInstance({
      config,
      clock,
      serverName: spec.serverName,
      machineName: spec.machineName,
      defaultBackupPath: spec.defaultBackupPath ?? defaultPaths(spec).backup,
      directories: spec.directories,
    });
    for (const d of spec.databases ?? []) {
      const db = inst.createDatabase(d.name, {
        recoveryModel: d.recoveryModel,
        tde: d.tde,
        workloadTps: d.workloadTps,
        compatibilityLevel: d.compatibilityLevel,
        dataSizeBytes: d.sizeMB === undefined ? undefined : d.sizeMB * 1024 * 1024,
        tables: (d.tables ?? []).map((t) => ({ schema: t.schema ?? 'dbo', name: t.name, rowCount: t.rows, encryptedColumns: t.encryptedColumns, heap: t.heap })),
      });
      db.users = (d.users ?? []).map((u, k) => estateUser(inst, u, k, db.createDate));
      const schedule = config.automatedBackups;
      if (schedule) {
        // present when the estate starts: created now, unless the estate says it already has a full
        // backup (msdb gets its row at the first look, engine/automatedBackups.ts)
        const now = inst.now();
        const declared = d.automatedFullBackupAt === undefined ? undefined : new Date(d.automatedFullBackupAt);
        db.automatedBackup = declared
          ? { existsSince: now, nextFullAt: new Date(declared.getTime() + schedule.fullIntervalHours * 3_600_000), declaredFullAt: declared }
          : { existsSince: now, nextFullAt: new Date(now.getTime() + schedule.firstFullAfterSeconds * 1000) };
      }
    }
    for (const c of spec.credentials ?? []) {
      inst.credentials.push({ credentialId: inst.nextCredentialId(), name: c.name, identity: c.identity, secret: c.secret, createDate: inst.now() });
    }
    // the estate's databases were there before: the free space the file gives is what they leave
    inst.settleVolume((spec.freeSpaceGB ?? 512) * GB);
    return inst;
  });
}
