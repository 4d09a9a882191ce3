// The emulated estate kept on disk between runs: what a restarted SQL Server or managed instance
// still has (databases with their files, tables, LSNs and restore-chain state, msdb's backup,
// restore and Agent history, credentials with their secrets, logins), the Managed Instance links,
// and named sections other parts of the emulator add (the ARM backend's Log Replay jobs).
//
// What was running when the process stopped does not survive, as on a restarted server: sessions
// and requests are gone; a RESTORE that was running leaves its database RESTORING (a full restore
// leaves no usable restore chain, emulator/backup/restore.ts's "interrupted"), its Agent job gets no
// history row for that run (its old Agent session's sysjobactivity row keeps a start and no stop);
// a managed instance's interrupted restore is reported failed in sys.dm_operation_status and its
// GUID-named database is gone. Simulated time and LSNs only move forward.
//
// The file is JSON (bigints and dates tagged), written to a temp file and renamed, readable by the
// user only (it holds credential secrets: local only). A file that cannot be read is reported, kept
// aside as <file>.corrupt, and ignored: the estate starts fresh.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BackupHistoryRow, RestoreHistoryRow } from '../backup/host';
import { m } from '../backup/messages';
import type { SavedLink } from '../link/link';
import type { Estate } from './estate';
import type { EmulatedInstance } from './instance';
import { advanceLsn, RECORDS_PER_TRANSACTION } from './lsn';
import type { AgentJob, AgentSession, Credential, Database, InstanceKind, Login, OperationStatus } from './model';
import { isSystemDatabase } from './databases';
import { settleLogins } from './principals';

export const STATE_FORMAT = 'mi-autopilot.emulated-estate-state';
export const STATE_VERSION = 1;

/** A request running when the state was saved; it ends when the state is loaded. */
export interface SavedRequest {
  sessionId: number;
  command: string;
  databaseName: string;
  startTime: Date;
}

export interface SavedInstance {
  name: string;
  kind: InstanceKind;
  /** user databases (system databases are the instance's own) */
  databases: Database[];
  logins: Login[];
  credentials: Credential[];
  jobs: AgentJob[];
  agentSessions: AgentSession[];
  counters: { nextCredentialId: number; jobHistorySeq: number };
  operations: OperationStatus[];
  backupHistory: BackupHistoryRow[];
  restoreHistory: RestoreHistoryRow[];
  certificates: string[];
  identityGrants: { urlPrefix: string; sas: string }[];
  requests: SavedRequest[];
}

/** What the estate file named when the state was saved: tells "added to the file since" from "dropped at runtime". */
export interface SavedEstateFile {
  /** logins: absent in state files written before logins could be dropped at runtime */
  instances: { name: string; databases: string[]; credentials: string[]; logins?: string[] }[];
  links: string[];
}

export interface SavedEstate {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  /** real time of the save */
  savedAt: Date;
  /** true when written by stop(): nothing can have happened after it */
  clean: boolean;
  /** the simulated clock when saved, and the writer's save interval (bounds what a hard kill lost) */
  clock: { now: Date; speed: number; intervalMs: number };
  estateFile: SavedEstateFile;
  instances: SavedInstance[];
  links: SavedLink[];
  sections: Record<string, unknown>;
}

// ---- JSON with bigints and dates ----------------------------------------------------------------

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** a JSON-able copy: bigint → {"$bigint": "…"}, Date → {"$date": "…"}; functions and undefined dropped */
export function toJson(value: unknown): JsonValue | undefined {
  if (value === null) return null;
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value instanceof Date) return { $date: value.toISOString() };
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => toJson(v) ?? null);
  if (value instanceof Set) return [...value].map((v) => toJson(v) ?? null);
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) {
      const j = toJson(v);
      if (j !== undefined) out[k] = j;
    }
    return out;
  }
  return undefined;
}

/** the inverse of toJson */
export function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$bigint === 'string' && /^-?\d+$/.test(o.$bigint)) return BigInt(o.$bigint);
    if (keys.length === 1 && typeof o.$date === 'string') {
      const d = new Date(o.$date);
      if (Number.isNaN(d.getTime())) throw new StateFileError(`a date is not valid: ${o.$date}`);
      return d;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = fromJson(v);
    return out;
  }
  return value;
}

// ---- reading, with checks -----------------------------------------------------------------------

export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFileError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function need(ok: boolean, at: string, what: string): void {
  if (!ok) throw new StateFileError(`${at} ${what}`);
}

function arrayAt(o: Obj, key: string, at: string): unknown[] {
  const v = o[key];
  need(Array.isArray(v), `${at}.${key}`, 'must be an array');
  return v as unknown[];
}

function checkDatabase(d: unknown, at: string): void {
  need(isObj(d), at, 'must be an object');
  const db = d as Obj;
  need(typeof db.name === 'string' && db.name.length > 0, `${at}.name`, 'must be a name');
  need(Number.isInteger(db.databaseId) && (db.databaseId as number) >= 5, `${at}.databaseId`, 'must be a user database id');
  need(['ONLINE', 'RESTORING', 'RECOVERING', 'RECOVERY_PENDING', 'SUSPECT', 'EMERGENCY', 'OFFLINE'].includes(db.state as string), `${at}.state`, 'is not a database state');
  need(typeof db.lastLsn === 'bigint', `${at}.lastLsn`, 'must be an LSN');
  need(db.createDate instanceof Date, `${at}.createDate`, 'must be a date');
  for (const [i, f] of arrayAt(db, 'files', at).entries()) need(isObj(f) && typeof f.physicalName === 'string' && typeof f.sizeBytes === 'number', `${at}.files[${i}]`, 'must be a file');
  for (const [i, t] of arrayAt(db, 'tables', at).entries()) need(isObj(t) && typeof t.name === 'string' && typeof t.rowCount === 'number', `${at}.tables[${i}]`, 'must be a table');
  if (db.users !== undefined) {
    for (const [i, u] of arrayAt(db, 'users', at).entries()) {
      need(isObj(u) && typeof u.name === 'string' && typeof u.sid === 'string' && Number.isInteger(u.principalId), `${at}.users[${i}]`, 'must be a user');
    }
  }
  if (db.automatedBackup !== undefined) {
    const a = db.automatedBackup;
    need(isObj(a) && a.existsSince instanceof Date && a.nextFullAt instanceof Date, `${at}.automatedBackup`, 'must be an automated-backup schedule');
    const r = (a as Obj).running;
    if (r !== undefined) need(isObj(r) && r.startedAt instanceof Date && r.finishAt instanceof Date && typeof r.firstLsn === 'bigint', `${at}.automatedBackup.running`, 'must be a running backup');
  }
  if (db.restoreChain !== undefined) {
    const c = db.restoreChain;
    need(isObj(c) && typeof c.lastRestoredLsn === 'bigint' && typeof c.fullBackupFirstLsn === 'bigint' && Array.isArray(c.backupSetGuids), `${at}.restoreChain`, 'must be a restore chain');
  }
}

function checkJob(j: unknown, at: string): void {
  need(isObj(j), at, 'must be an object');
  const job = j as Obj;
  need(typeof job.jobId === 'string' && typeof job.name === 'string', at, 'must have a job_id and a name');
  need(job.dateCreated instanceof Date, `${at}.dateCreated`, 'must be a date');
  for (const [i, s] of arrayAt(job, 'steps', at).entries()) need(isObj(s) && typeof s.command === 'string' && Number.isInteger(s.stepId), `${at}.steps[${i}]`, 'must be a step');
  for (const [i, h] of arrayAt(job, 'history', at).entries()) need(isObj(h) && Number.isInteger(h.instanceId) && h.runDate instanceof Date, `${at}.history[${i}]`, 'must be a history row');
  arrayAt(job, 'servers', at);
}

function checkInstance(v: unknown, at: string): void {
  need(isObj(v), at, 'must be an object');
  const i = v as Obj;
  need(typeof i.name === 'string', `${at}.name`, 'must be a name');
  need(i.kind === 'sqlServer' || i.kind === 'managedInstance', `${at}.kind`, 'must be sqlServer or managedInstance');
  arrayAt(i, 'databases', at).forEach((d, k) => checkDatabase(d, `${at}.databases[${k}]`));
  arrayAt(i, 'jobs', at).forEach((j, k) => checkJob(j, `${at}.jobs[${k}]`));
  for (const [k, l] of arrayAt(i, 'logins', at).entries()) need(isObj(l) && typeof l.name === 'string' && typeof l.password === 'string', `${at}.logins[${k}]`, 'must be a login');
  for (const [k, c] of arrayAt(i, 'credentials', at).entries()) need(isObj(c) && typeof c.name === 'string' && typeof c.identity === 'string', `${at}.credentials[${k}]`, 'must be a credential');
  for (const [k, s] of arrayAt(i, 'agentSessions', at).entries()) need(isObj(s) && Number.isInteger(s.sessionId) && s.agentStartDate instanceof Date, `${at}.agentSessions[${k}]`, 'must be an Agent session');
  need(isObj(i.counters) && Number.isInteger(i.counters.nextCredentialId) && Number.isInteger(i.counters.jobHistorySeq), `${at}.counters`, 'must hold the id counters');
  for (const key of ['operations', 'backupHistory', 'restoreHistory', 'certificates', 'identityGrants', 'requests']) arrayAt(i, key, at);
}

function checkLink(v: unknown, at: string): void {
  need(isObj(v), at, 'must be an object');
  const l = v as Obj;
  need(typeof l.name === 'string' && isObj(l.partner) && isObj(l.instance), at, 'must name a link and its two sides');
  need(l.lastAdvance instanceof Date, `${at}.lastAdvance`, 'must be a date');
  for (const [k, d] of arrayAt(l, 'databases', at).entries()) need(isObj(d) && typeof d.name === 'string' && Array.isArray(d.pending) && typeof d.observedLsn === 'bigint', `${at}.databases[${k}]`, 'must be a database link state');
  arrayAt(l, 'lost', at);
}

/** Checks a parsed state file; throws StateFileError naming the first problem. */
export function checkSavedEstate(raw: unknown): SavedEstate {
  need(isObj(raw), 'the state', 'must be a JSON object');
  const o = raw as Obj;
  need(o.format === STATE_FORMAT, 'format', `must be "${STATE_FORMAT}"`);
  need(o.version === STATE_VERSION, 'version', `must be ${STATE_VERSION} (this emulator writes version ${STATE_VERSION})`);
  const s = fromJson(o) as Obj;
  need(s.savedAt instanceof Date, 'savedAt', 'must be a date');
  need(isObj(s.clock) && s.clock.now instanceof Date && typeof s.clock.speed === 'number' && typeof s.clock.intervalMs === 'number', 'clock', 'must hold the simulated time');
  need(isObj(s.estateFile) && Array.isArray(s.estateFile.instances) && Array.isArray(s.estateFile.links), 'estateFile', 'must list what the estate file named');
  arrayAt(s, 'instances', 'the state').forEach((i, k) => checkInstance(i, `instances[${k}]`));
  arrayAt(s, 'links', 'the state').forEach((l, k) => checkLink(l, `links[${k}]`));
  need(isObj(s.sections), 'sections', 'must be an object');
  return s as unknown as SavedEstate;
}

export type ReadState = { state: SavedEstate; problem?: undefined } | { state?: undefined; problem?: string };

/** The saved state, nothing when there is no file, or the problem with a file that cannot be used. */
export function readStateFile(file: string): ReadState {
  if (!existsSync(file)) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { problem: `cannot be read (${e instanceof Error ? e.message : String(e)})` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { problem: `is not valid JSON, perhaps cut short (${e instanceof Error ? e.message : String(e)})` };
  }
  try {
    return { state: checkSavedEstate(parsed) };
  } catch (e) {
    return { problem: `is not a state this emulator can use: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Keeps an unusable state file aside (<file>.corrupt) so the next save does not destroy the evidence. */
export function setAside(file: string): string | undefined {
  try {
    const aside = `${file}.corrupt`;
    renameSync(file, aside);
    return aside;
  } catch {
    return undefined;
  }
}

/** Writes the file atomically (temp file, rename), readable by the user only. */
export function writeStateFile(file: string, state: SavedEstate): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(toJson(state))}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

// ---- capturing ----------------------------------------------------------------------------------

/** What the estate file names, recorded with the state. */
export function estateFileNames(estate: Estate): SavedEstateFile {
  return {
    instances: estate.instances.map((i) => ({
      name: i.name,
      databases: (i.databases ?? []).map((d) => d.name),
      credentials: (i.credentials ?? []).map((c) => c.name),
      logins: i.logins.map((l) => l.name),
    })),
    links: (estate.links ?? []).map((l) => l.name),
  };
}

export function captureInstance(inst: EmulatedInstance): SavedInstance {
  return {
    name: inst.config.name,
    kind: inst.config.kind,
    databases: inst.databases().filter((d) => !isSystemDatabase(d.name)),
    logins: inst.config.logins,
    credentials: inst.credentials,
    jobs: inst.jobs,
    agentSessions: inst.agentSessions,
    counters: inst.counters(),
    operations: inst.operations,
    backupHistory: inst.backupHistory,
    restoreHistory: inst.restoreHistory,
    certificates: [...inst.certificateThumbprints],
    identityGrants: inst.identityGrants,
    requests: inst.activeRequests().map((r) => ({ sessionId: r.sessionId, command: r.command, databaseName: r.databaseName, startTime: r.startTime })),
  };
}

// ---- restoring ----------------------------------------------------------------------------------

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** a deep copy through the file format, so a restored instance shares nothing with the saved object */
function copy<T>(value: T): T {
  return fromJson(toJson(value)) as T;
}

/**
 * Puts a saved instance's state on a freshly built one (same name and kind). `recorded` is what the
 * estate file named at the save: a database or credential the file names now and did not then is
 * new in the file and kept as built; anything else comes from the saved state. Returns the names of
 * the databases new in the estate file. `lostMs` is how much simulated time a hard kill may have
 * lost after the save (0 after a clean stop): the workload's LSNs move on by that much, so an LSN
 * seen before the kill is never seen again.
 */
export function restoreInstance(inst: EmulatedInstance, saved: SavedInstance, recorded: SavedEstateFile['instances'][number] | undefined, lostMs: number): string[] {
  const s = copy(saved);
  const wasNamed = (list: string[] | undefined, name: string): boolean => (list ?? []).some((n) => sameName(n, name));
  const newInFile: string[] = [];
  for (const db of inst.databases().filter((d) => !isSystemDatabase(d.name))) {
    const isNew = recorded !== undefined && !wasNamed(recorded.databases, db.name) && !s.databases.some((d) => sameName(d.name, db.name));
    if (isNew) newInFile.push(db.name);
    else inst.removeDatabase(db.name);
  }
  for (const db of s.databases) {
    if (newInFile.some((n) => sameName(n, db.name))) continue;
    // a new estate database took this id: the saved one keeps its name and takes a free id
    if (inst.findDatabaseById(db.databaseId)) db.databaseId = inst.nextDatabaseId();
    // performance counters start over with the instance
    db.logBytesFlushed = undefined;
    db.logFlushes = undefined;
    db.transactionCount = undefined;
    if (lostMs > 0 && db.workloadTps > 0 && db.state === 'ONLINE') {
      db.lastLsn = advanceLsn(db.lastLsn, Math.ceil((db.workloadTps * lostMs) / 1000) * RECORDS_PER_TRANSACTION);
    }
    inst.addDatabase(db);
  }

  // logins: the estate file's (its passwords may have changed; one dropped at runtime stays
  // dropped, one added to the file since is new) and the ones created at runtime (CREATE LOGIN),
  // each with the SID and principal_id it had
  const fileLogins = inst.config.logins.splice(0);
  for (const login of fileLogins) {
    const saved = s.logins.find((l) => sameName(l.name, login.name));
    const droppedAtRuntime = !saved && recorded?.logins !== undefined && wasNamed(recorded.logins, login.name);
    if (droppedAtRuntime) continue;
    inst.config.logins.push(saved ? { ...login, principalId: saved.principalId ?? login.principalId, createDate: saved.createDate ?? login.createDate } : login);
  }
  for (const login of s.logins) if (!inst.findLogin(login.name)) inst.config.logins.push(login);
  settleLogins(inst.config.name, inst.config.logins, inst.now());

  // ids continue where they were, so a credential_id or a sysjobhistory instance_id never repeats
  inst.restoreCounters({ nextCredentialId: Math.max(s.counters.nextCredentialId, ...s.credentials.map((c) => c.credentialId + 1)), jobHistorySeq: s.counters.jobHistorySeq });
  const fileCredentials = inst.credentials.splice(0);
  inst.credentials.push(...s.credentials);
  for (const c of fileCredentials) {
    if (!wasNamed(recorded?.credentials, c.name) && !inst.findCredentialByName(c.name)) inst.credentials.push({ ...c, credentialId: inst.nextCredentialId() });
  }

  // SQL Agent starts a new session; a run cut off by the restart has no outcome and stays "started" in its old session
  const lastSession = s.agentSessions[s.agentSessions.length - 1]?.sessionId ?? 1;
  inst.agentSessions.splice(0, inst.agentSessions.length, ...s.agentSessions, { sessionId: lastSession + 1, agentStartDate: inst.now() });
  for (const job of s.jobs) {
    if (job.running) {
      job.abandonedRuns = [...(job.abandonedRuns ?? []), { agentSessionId: lastSession, startedAt: job.running.startedAt }];
      job.running = undefined;
    }
    inst.jobs.push(job);
  }

  inst.backupHistory.push(...s.backupHistory);
  inst.restoreHistory.push(...s.restoreHistory);
  for (const t of s.certificates) inst.certificateThumbprints.add(t);
  for (const g of s.identityGrants) inst.grantIdentity(g.urlPrefix, g.sas);

  // a managed instance's restore that was running failed with the restart: its GUID-named database
  // goes (as a failed managed-instance restore leaves none) and dm_operation_status says why
  const aborted = m.aborted();
  for (const op of s.operations) {
    if (op.state === 0 || op.state === 1) {
      op.state = 3;
      op.errorCode = aborted.number;
      op.errorDesc = aborted.message;
      op.lastModifyTime = inst.now();
    }
    inst.operations.push(op);
  }
  if (inst.config.kind === 'managedInstance') {
    for (const r of s.requests) {
      const db = inst.findDatabase(r.databaseName);
      if (/^RESTORE/i.test(r.command) && db?.state === 'RESTORING' && /^[0-9a-f-]{36}$/i.test(db.name)) inst.removeDatabase(db.name);
    }
  }
  return newInFile;
}
