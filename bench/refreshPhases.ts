// One end-to-end refresh of the sample estate's `Sales` (2 GB at the emulated throughputs), the way a
// deployed app runs it: the app's compiled functions in the local Functions host, in a process of its
// own with no local.settings.json (every setting at its Azure default: RESTORE_POLL_MS 15000, the
// lease, host.json's queue polling), the emulated estate at clock speed 1, ARM answering each request
// after 300 ms. The run is started through the API (`POST /api/refreshes/nightly-sales-refresh/run`)
// and followed with `GET /api/operations/{id}`; nothing is nudged.
//
// Per phase of the operation's output (backup, restore, sanitize, validate, swap, retain): its wall
// time, the simulated server time in it (the BACKUP's and the RESTORE's own durations, size /
// throughput, read from the emulator's msdb backupset and restorehistory; the sanitizing script's
// SQL Agent job), and the app's own time (wall - server), of which the part spent waiting for the next
// poll after the server had finished (from the server's work ending to the step that noticed it
// resuming, as the operation's audit trail records it).
//
// Standalone: `npm run build && node dist/bench/refreshPhases.js` (replaces its section of
// bench/RESULTS.md); `npm run bench` runs it with the others.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { EngineArmBackend } from '../emulator/arm/engineBackend';
import { startArmEmulator, type ArmEmulator } from '../emulator/arm/server';
import { estimatedDataBytes } from '../emulator/engine/databases';
import { defaultServices } from '../emulator/engine/defaultServices';
import { loadEstateFile, type EstateDatabase } from '../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../emulator/engine/estateServer';
import { startAzurite, type AzuriteInstance } from '../local/azurite';
import { localAppEstate } from '../local/start';
import { validateEstate } from '../shared/config/validate';
import { startBenchHost, tearDownBenchRun, writeCaBundle } from './hostHarness';
import { runStandalone } from './resultsFile';

const JOB = 'nightly-sales-refresh';
const SIZE_MB = 2048;
const AZURE_DEFAULT_POLL_MS = 15_000;
const RUN_DEADLINE_MS = 3 * 60_000;
const SAMPLE_MS = 20;
const MB = 1024 * 1024;

export const REFRESH_PHASES = ['backup', 'restore', 'sanitize', 'validate', 'swap', 'retain'] as const;

export interface RefreshPhaseRow {
  phase: string;
  /** from the operation's output.phases (startedAt to endedAt) */
  wallMs: number;
  /** the simulated server work in the phase (undefined: none) */
  serverMs?: number;
  /** what serverMs is */
  server: string;
  /** wallMs - serverMs */
  appMs: number;
  /** of appMs: from the server's work ending to the step that noticed it resuming (the next poll) */
  pollWaitMs: number;
  /** appMs - pollWaitMs */
  appWorkMs: number;
}

export interface TimelineMark {
  label: string;
  /** ms since the phase (or the run) began */
  atMs: number;
}

export interface RefreshPhasesResult {
  job: string;
  source: string;
  target: string;
  sizeMB: number;
  /** what the sample's own estate gives the database (its sizeMB, or the emulator's estimate from its row counts) */
  sampleSizeMB: number;
  sourceThroughputMBps: number;
  targetThroughputMBps: number;
  /** the live copy existed before the run (a nightly run), so the swap renamed it aside and retain dropped it */
  liveCopyBefore: boolean;
  armLatencyMs: number;
  /** nextRunAt - updatedAt of the waits the bench saw, ms (RESTORE_POLL_MS at work) */
  pollIntervalsMs: number[];
  operationId: string;
  restoreOperationId?: string;
  state: string;
  /** POST sent to the operation's last update (succeeded) */
  totalMs: number;
  /** POST sent to the first phase's start: the API call, the queue hop, the checks */
  before: TimelineMark[];
  /** the last phase's end to the operation's succeeded update (the finish step) */
  afterMs: number;
  phases: RefreshPhaseRow[];
  backupTimeline: TimelineMark[];
  restoreTimeline: TimelineMark[];
  /** size / throughput: what the emulator should take */
  expected: { backupMs: number; restoreMs: number };
  /** the emulated clock minus the machine's clock, ms (clock speed 1: constant) */
  clockOffsetMs: number;
  output: unknown;
  wallMs: number;
}

export interface RefreshPhasesOptions {
  /** each ARM answer waits this long, as a remote service does (default 300 ms) */
  armLatencyMs?: number;
  /** true: sql-dev has no Sales_refresh yet (the job's first run); default false: last night's copy is live */
  firstRun?: boolean;
  log?: (line: string) => void;
}

interface AuditRow {
  at: string;
  reason: string;
  toState: string;
  fromStep?: string;
  toStep: string;
}
interface OperationView {
  id: string;
  state: string;
  step?: string;
  createdAt: string;
  updatedAt: string;
  nextRunAt?: string;
  waitingFor?: string;
  error?: { code: string; message: string };
  output?: {
    phases?: Array<{ name: string; startedAt: string; endedAt?: string; seconds?: number }>;
    restoreOperation?: string;
    backup?: string[];
    previousCopy?: string;
    dropped?: string[];
  };
  audit?: AuditRow[];
}

/** one BACKUP/RESTORE request the sampler saw running on an emulated instance */
interface SeenRequest {
  instance: string;
  command: string;
  database: string;
  /** emulated clock, ms */
  startSim: number;
}

/** one SQL Agent job run on an emulated instance, from its sysjobhistory outcome row as it is written */
interface JobRun {
  instance: string;
  name: string;
  /** emulated clock, ms (the outcome row's run date) */
  startSim: number;
  /** machine clock, ms: when the outcome row was written, as the run ended */
  endReal: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const t = (iso: string | undefined): number => (iso ? Date.parse(iso) : NaN);

export async function benchRefreshPhases(options: RefreshPhasesOptions = {}): Promise<RefreshPhasesResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const armLatencyMs = options.armLatencyMs ?? 300;
  const firstRun = options.firstRun ?? false;
  const began = Date.now();
  const appRoot = path.resolve(__dirname, '..', '..');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-autopilot-bench-refresh-'));
  const hostLog = path.join(dir, 'host.log');
  let azurite: AzuriteInstance | undefined;
  let emulator: RunningEstate | undefined;
  let arm: ArmEmulator | undefined;
  let host: ChildProcess | undefined;
  let sampler: NodeJS.Timeout | undefined;
  let ok = false;
  try {
    // the app's estate and its job, as the sample has them
    const sampleApp = JSON.parse(readFileSync(path.join(appRoot, 'estate.sample.json'), 'utf8')) as Record<string, unknown>;
    const job = validateEstate(sampleApp, 'estate.sample.json').refreshJobs.find((j) => j.name === JOB);
    if (!job) throw new Error(`estate.sample.json has no refresh job ${JOB}`);

    // the emulated estate: the sample's, on free ports, clock speed 1, Sales at 2 GB
    const emulated = loadEstateFile(path.join(appRoot, 'emulator', 'estate.sample.json'));
    emulated.clockSpeed = 1;
    const sampleDb = emulated.instances.find((i) => i.name === job.source.instance)?.databases?.find((d) => d.name === job.source.database);
    const sampleSizeMB = sampleDb?.sizeMB ?? estimatedDataBytes((sampleDb?.tables ?? []).map((x) => ({ schema: x.schema ?? 'dbo', name: x.name, rowCount: x.rows }))) / MB;
    for (const i of emulated.instances) {
      i.port = 0;
      for (const d of i.databases ?? []) if (d.name === job.source.database) d.sizeMB = SIZE_MB;
    }
    const source = emulated.instances.find((i) => i.name === job.source.instance);
    const target = emulated.instances.find((i) => i.name === job.target.instance);
    const sourceDb = source?.databases?.find((d) => d.name === job.source.database);
    if (!source || !target || !sourceDb) throw new Error(`the emulated sample estate has no ${job.source.instance}/${job.source.database} or no ${job.target.instance}`);
    if (!firstRun) {
      // last night's copy is live on the target, as on every run but the first
      const live: EstateDatabase = { name: job.target.database, recoveryModel: 'SIMPLE', sizeMB: SIZE_MB, tables: (sourceDb.tables ?? []).map((x) => ({ ...x })) };
      target.databases = [...(target.databases ?? []).filter((d) => d.name !== live.name), live];
    }
    const password = (instance: string): string => {
      const login = emulated.instances.find((i) => i.name === instance)?.logins.find((l) => l.name === 'autopilot');
      if (!login?.password) throw new Error(`the emulated ${instance} has no SQL login autopilot`);
      return login.password;
    };

    azurite = await startAzurite();
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(job.container).createIfNotExists();
    emulator = await startEstate(emulated, { services: defaultServices() });
    const running = emulator;
    const caPath = path.join(dir, 'arm-ca.pem');
    arm = await startArmEmulator({
      // the resource group the sample estate's armResourceIds name
      backend: new EngineArmBackend({ instances: running.instances.map((r) => r.instance), links: running.links, resourceGroup: 'rg-local' }),
      caPath,
      responseDelayMs: armLatencyMs,
    });
    const appEstate = localAppEstate(sampleApp, new Map(running.instances.map((r) => [r.instance.config.name.toLowerCase(), { host: r.host, port: r.port }])), azurite.blobEndpoint, appRoot);
    const estateFile = path.join(dir, 'estate.json');
    writeFileSync(estateFile, `${JSON.stringify(appEstate, null, 2)}\n`);
    const bundle = writeCaBundle(dir, running, caPath);

    // what runs on the emulated servers: each SQL Agent job run as its outcome row is written to
    // sysjobhistory (exact, however short the run), and every 20 ms the BACKUP / RESTORE requests
    const jobRuns: JobRun[] = [];
    for (const r of running.instances) {
      const instance = r.instance.config.name;
      const jobs = r.instance.jobs;
      const addJobs = jobs.push.bind(jobs);
      jobs.push = (...added) => {
        for (const j of added) {
          const addRows = j.history.push.bind(j.history);
          j.history.push = (...rows) => {
            const at = Date.now();
            for (const row of rows) if (row.stepId === 0) jobRuns.push({ instance, name: j.name, startSim: row.runDate.getTime(), endReal: at });
            return addRows(...rows);
          };
        }
        return addJobs(...added);
      };
    }
    const seen = new Map<string, SeenRequest>();
    const clockOffset = new Map<string, number>();
    const sample = (): void => {
      const now = Date.now();
      for (const r of running.instances) {
        const inst = r.instance;
        const name = inst.config.name;
        clockOffset.set(name, inst.now().getTime() - now);
        for (const q of inst.activeRequests()) {
          if (!/^(BACKUP|RESTORE)/i.test(q.command)) continue;
          const key = `${name}|${q.command}|${q.databaseName}|${q.startTime.getTime()}`;
          if (!seen.has(key)) seen.set(key, { instance: name, command: q.command, database: q.databaseName, startSim: q.startTime.getTime() });
        }
      }
    };
    sampler = setInterval(sample, SAMPLE_MS);

    const started = await startBenchHost({
      storage: azurite.connectionString,
      estateFile,
      armUrl: arm.url,
      passwords: { SQL_ONPREM_PASSWORD: password('sql-onprem'), MI_PROD_PASSWORD: password('mi-prod'), SQL_DEV_PASSWORD: password('sql-dev') },
      caBundle: bundle,
      logFile: hostLog,
    });
    host = started.child;
    if (!started.functions.some((f) => f.startsWith('runRefresh:'))) throw new Error(`the host has no runRefresh function: ${started.functions.join('; ')}`);
    log(`  host pid ${host.pid} at ${started.url}; log ${hostLog}`);

    const api = async <T>(p: string, init?: { method: string; body: string }): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${started.url}/api/${p}`, { method: init?.method ?? 'GET', body: init?.body, headers: { 'x-functions-key': started.key, 'content-type': 'application/json' } });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    };

    // the run, started through the API, followed until it ends
    const postAt = Date.now();
    const posted = await api<OperationView & { error?: { message: string } }>(`refreshes/${JOB}/run`, { method: 'POST', body: JSON.stringify({ by: 'bench' }) });
    const answeredAt = Date.now();
    if (posted.status !== 202) throw new Error(`POST /api/refreshes/${JOB}/run answered ${posted.status}: ${JSON.stringify(posted.body)}`);
    const id = posted.body.id;
    log(`  refresh ${id} started (${answeredAt - postAt} ms for the POST); following it`);
    const pollIntervals = new Map<string, number>();
    let op: OperationView;
    let lastLine = '';
    for (;;) {
      const r = await api<OperationView>(`operations/${encodeURIComponent(id)}`);
      if (r.status !== 200) throw new Error(`GET /api/operations/${id}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      op = r.body;
      if (op.state === 'waiting' && op.nextRunAt) pollIntervals.set(`${op.updatedAt}`, t(op.nextRunAt) - t(op.updatedAt));
      const line = `${op.state} ${op.step ?? ''} ${op.waitingFor ?? ''}`.trim();
      if (line !== lastLine) log(`  ${((Date.now() - postAt) / 1000).toFixed(1).padStart(6)} s  ${line}`);
      lastLine = line;
      if (['succeeded', 'failed', 'cancelled'].includes(op.state)) break;
      if (Date.now() - postAt > RUN_DEADLINE_MS) throw new Error(`the refresh did not end within ${RUN_DEADLINE_MS / 1000} s: ${JSON.stringify(op)}`);
      await sleep(1_000);
    }
    // the waits of the Agent-job polls (not the shorter ones a step may choose) are RESTORE_POLL_MS
    if (![...pollIntervals.values()].some((ms) => Math.abs(ms - AZURE_DEFAULT_POLL_MS) < 50)) log(`  warning: no wait of ${AZURE_DEFAULT_POLL_MS} ms seen (waits: ${[...pollIntervals.values()].join(', ')} ms): is RESTORE_POLL_MS at its default?`);
    if (op.state !== 'succeeded') throw new Error(`the refresh ended ${op.state}: ${JSON.stringify(op.error)} (log: ${hostLog})`);
    await sleep(3 * SAMPLE_MS);
    clearInterval(sampler);
    sampler = undefined;

    const audit = op.audit ?? [];
    const phases = op.output?.phases ?? [];
    const restoreId = op.output?.restoreOperation;
    const restoreOp = restoreId ? (await api<OperationView>(`operations/${encodeURIComponent(restoreId)}`)).body : undefined;
    const restoreAudit = restoreOp?.audit ?? [];

    // the emulated servers' own records: msdb backupset (admin API), restorehistory
    const offset = (instance: string): number => clockOffset.get(instance) ?? 0;
    const real = (instance: string, sim: number): number => sim - offset(instance);
    const admin = (await (await fetch(`${running.adminUrl}/instances/${encodeURIComponent(job.source.instance)}`)).json()) as {
      backups: Array<{ database: string; isCopyOnly: boolean; startDate: string; finishDate: string; devices: string[] }>;
    };
    const backupSet = admin.backups.find((b) => b.database === job.source.database && b.isCopyOnly && b.devices.some((d) => d.includes(`/refresh/${JOB}/`)));
    if (!backupSet) throw new Error(`no copy-only backup of ${job.source.database} for ${JOB} in ${job.source.instance}'s msdb`);
    const backupStart = real(job.source.instance, t(backupSet.startDate));
    const backupFinish = real(job.source.instance, t(backupSet.finishDate));
    const sourceInst = running.find(job.source.instance).instance;
    const backupRow = sourceInst.backupHistory.find((b) => b.isCopyOnly && b.deviceUrls.some((d) => d.includes(`/refresh/${JOB}/`)));
    const targetInst = running.find(job.target.instance).instance;
    const staging = `${job.target.database}_refresh_`;
    const restoreRow = targetInst.restoreHistory.find((r) => r.destinationDatabaseName.startsWith(staging));
    if (!restoreRow) throw new Error(`no restore of ${staging}… in ${job.target.instance}'s msdb.dbo.restorehistory`);
    const restoreFinish = real(job.target.instance, restoreRow.restoreDate.getTime());
    const restoreReq = [...seen.values()].find((w) => w.instance === job.target.instance && /^RESTORE DATABASE/i.test(w.command) && w.database === restoreRow.destinationDatabaseName);
    if (!restoreReq) throw new Error('the sampler never saw the RESTORE running');
    const restoreStart = real(job.target.instance, restoreReq.startSim);
    // the Agent job that ran a statement: on its instance, started before it and ended after it
    const jobAround = (instance: string, from: number, to: number): (JobRun & { start: number }) | undefined =>
      jobRuns.map((j) => ({ ...j, start: real(j.instance, j.startSim) })).find((j) => j.instance === instance && j.start <= from + 1 && j.endReal >= to - 1);
    const backupJob = jobAround(job.source.instance, backupStart, backupFinish);
    const restoreJob = jobAround(job.target.instance, restoreStart, restoreFinish);
    const sanitizeJobs = jobRuns.filter((j) => j.instance === job.target.instance && /sanitize/i.test(j.name)).map((j) => ({ ...j, start: real(j.instance, j.startSim) }));

    // when a step noticed: the first `resumed` of the operation at or after `from`
    const resumedAfter = (rows: AuditRow[], from: number): number | undefined => rows.map((a) => t(a.at)).find((at, i) => at >= from && /^resumed/.test(rows[i].reason));
    const phaseOf = (name: string): { start: number; end: number } => {
      const p = phases.find((x) => x.name === name);
      if (!p?.endedAt) throw new Error(`the run's output has no finished phase ${name}: ${JSON.stringify(phases)}`);
      return { start: t(p.startedAt), end: t(p.endedAt) };
    };
    const within = (at: number | undefined, p: { start: number; end: number }): at is number => at !== undefined && at >= p.start && at <= p.end;
    const restoreSucceeded = restoreAudit.map((a) => (a.toState === 'succeeded' ? t(a.at) : NaN)).find((x) => !Number.isNaN(x));
    const restoreCreated = restoreOp ? t(restoreOp.createdAt) : undefined;
    const restoreStarted = restoreAudit.map((a) => (a.reason === 'started' ? t(a.at) : NaN)).find((x) => !Number.isNaN(x));

    const rows: RefreshPhaseRow[] = [];
    let backupTimeline: TimelineMark[] = [];
    let restoreTimeline: TimelineMark[] = [];
    for (const name of phases.map((p) => p.name)) {
      const p = phaseOf(name);
      const wallMs = p.end - p.start;
      let serverMs: number | undefined;
      let server = '–';
      let pollWaitMs = 0;
      if (name === 'backup') {
        serverMs = backupFinish - backupStart;
        server = `BACKUP DATABASE on ${job.source.instance} (msdb backupset start → finish)`;
        const doneAt = backupJob?.endReal ?? backupFinish;
        const noticed = resumedAfter(audit, doneAt);
        if (within(noticed, p)) pollWaitMs = noticed - doneAt;
        const marks: Array<[string, number | undefined]> = [
          ['phase start (checks done)', p.start],
          ['backup Agent job started', backupJob?.start],
          ['BACKUP started (msdb)', backupStart],
          ['BACKUP finished (msdb)', backupFinish],
          ['backup Agent job ended', backupJob?.endReal],
          ['refresh resumed (next poll) and saw it done', noticed],
          ['phase end (restore started)', p.end],
        ];
        backupTimeline = marks
          .filter((m): m is [string, number] => m[1] !== undefined)
          .map(([label, at]) => ({ label, atMs: at - p.start }))
          .sort((a, b) => a.atMs - b.atMs);
      } else if (name === 'restore') {
        serverMs = restoreFinish - restoreStart;
        server = `RESTORE DATABASE on ${job.target.instance} (request start → msdb restorehistory)`;
        const jobEnd = restoreJob?.endReal ?? restoreFinish;
        const restoreNoticed = resumedAfter(restoreAudit, jobEnd);
        const refreshNoticed = restoreSucceeded !== undefined ? resumedAfter(audit, restoreSucceeded) : undefined;
        if (restoreNoticed !== undefined && restoreNoticed <= (restoreSucceeded ?? Infinity)) pollWaitMs += restoreNoticed - jobEnd;
        if (within(refreshNoticed, p) && restoreSucceeded !== undefined) pollWaitMs += refreshNoticed - restoreSucceeded;
        const marks: Array<[string, number | undefined]> = [
          ['phase start (backup done)', p.start],
          ['restore operation created', restoreCreated],
          ['restore operation started (queue hop)', restoreStarted],
          // its own steps before the RESTORE runs (locate, credential, inspection, pre-checks)
          ...restoreAudit
            .filter((a) => /^step \S+ done$/.test(a.reason) && t(a.at) >= p.start && t(a.at) <= restoreStart)
            .map((a): [string, number] => [`restore operation: ${a.reason}`, t(a.at)]),
          ['RESTORE Agent job started', restoreJob?.start],
          ['RESTORE started', restoreStart],
          ['RESTORE finished (msdb restorehistory)', restoreFinish],
          ['RESTORE Agent job ended', restoreJob?.endReal],
          ['restore operation resumed (next poll) and saw it done', restoreNoticed],
          ['restore operation succeeded', restoreSucceeded],
          // the refresh's looks at its restore operation before it had succeeded
          ...audit
            .filter((a) => /^resumed/.test(a.reason) && t(a.at) > p.start && t(a.at) < (restoreSucceeded ?? p.end))
            .map((a): [string, number] => ['refresh resumed (next poll): restore operation still running', t(a.at)]),
          ['refresh resumed (next poll) and saw it', refreshNoticed],
          ['phase end (sanitize started)', p.end],
        ];
        restoreTimeline = marks
          .filter((m): m is [string, number] => m[1] !== undefined)
          .map(([label, at]) => ({ label, atMs: at - p.start }))
          .sort((a, b) => a.atMs - b.atMs);
      } else if (name === 'sanitize') {
        const mine = sanitizeJobs.filter((j) => j.start >= p.start - 1 && j.endReal <= p.end);
        if (mine.length > 0) {
          serverMs = mine.reduce((sum, j) => sum + Math.max(0, j.endReal - j.start), 0);
          server = `${mine.length} sanitizing script batch${mine.length > 1 ? 'es' : ''} run as SQL Agent job${mine.length > 1 ? 's' : ''} on ${job.target.instance} (job start → its sysjobhistory outcome row)`;
          for (const j of mine) {
            const noticed = resumedAfter(audit, j.endReal);
            if (within(noticed, p)) pollWaitMs += noticed - j.endReal;
          }
        }
      }
      const appMs = wallMs - (serverMs ?? 0);
      rows.push({ phase: name, wallMs, serverMs, server, appMs, pollWaitMs, appWorkMs: appMs - pollWaitMs });
    }

    const created = t(op.createdAt);
    const startedAt = audit.map((a) => (a.reason === 'started' ? t(a.at) : NaN)).find((x) => !Number.isNaN(x));
    const firstPhase = phases[0] ? t(phases[0].startedAt) : NaN;
    const lastPhaseEnd = phases.length ? t(phases[phases.length - 1].endedAt) : NaN;
    const before: Array<[string, number | undefined]> = [
      ['POST sent', postAt],
      ['operation created', created],
      ['202 received', answeredAt],
      ['operation started (queue hop)', startedAt],
      ['checks done: backup phase started', firstPhase],
    ];
    ok = true;
    return {
      job: JOB,
      source: `${job.source.instance}/${job.source.database}`,
      target: `${job.target.instance}/${job.target.database}`,
      sizeMB: SIZE_MB,
      sampleSizeMB,
      sourceThroughputMBps: source.throughputMBps ?? 200,
      targetThroughputMBps: target.throughputMBps ?? 200,
      liveCopyBefore: !firstRun,
      armLatencyMs,
      pollIntervalsMs: [...pollIntervals.values()],
      operationId: id,
      restoreOperationId: restoreId,
      state: op.state,
      totalMs: t(op.updatedAt) - postAt,
      before: before.filter((m): m is [string, number] => m[1] !== undefined).map(([label, at]) => ({ label, atMs: at - postAt })),
      afterMs: t(op.updatedAt) - lastPhaseEnd,
      phases: rows,
      backupTimeline,
      restoreTimeline,
      expected: {
        backupMs: backupRow ? (backupRow.backupSize / MB / (source.throughputMBps ?? 200)) * 1000 : NaN,
        restoreMs: backupRow ? (backupRow.backupSize / MB / (target.throughputMBps ?? 200)) * 1000 : NaN,
      },
      clockOffsetMs: Math.round(offset(job.target.instance)),
      output: op.output,
      wallMs: Date.now() - began,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await tearDownBenchRun({ host, arm, emulator, azurite }, { ok, dir, hostLog, log });
  }
}

/** what the refresh's looks at its restore operation found, from the restore phase's marks */
function restoreLookNote(marks: TimelineMark[]): string[] {
  const early = marks.filter((m) => /still running/.test(m.label));
  const ownLook = marks.find((m) => /^restore operation resumed/.test(m.label));
  const seen = marks.find((m) => /^refresh resumed \(next poll\) and saw it/.test(m.label));
  if (!seen) return ['refresh\'s first look after it.'];
  if (early.length === 0) return [`refresh's first look after it, here ${s(seen.atMs - (marks.find((m) => /succeeded/.test(m.label))?.atMs ?? seen.atMs))} after it succeeded.`];
  const last = early[early.length - 1];
  const gap = ownLook ? last.atMs - ownLook.atMs : undefined;
  return [
    `refresh's first look after it. Here ${early.length === 1 ? 'its look' : `the last of its ${early.length} early looks`} came${gap === undefined ? '' : ` ${Math.abs(gap) < 1000 ? `${Math.round(Math.abs(gap))} ms` : s(Math.abs(gap))} ${gap < 0 ? 'before' : 'after'} the restore operation's own look`}`,
    `(which found its RESTORE ended ${s((ownLook?.atMs ?? 0) - (marks.find((m) => /^RESTORE Agent job ended/.test(m.label))?.atMs ?? 0))} after the fact), found it still running, and waited one more cycle: ${s(seen.atMs - last.atMs)}.`,
  ];
}

const s = (ms: number | undefined): string => (ms === undefined || Number.isNaN(ms) ? '–' : `${(ms / 1000).toFixed(2)} s`);

/** bench/RESULTS.md's section; `stamp` when it is measured apart from the other benchmarks */
export function refreshPhasesSection(r: RefreshPhasesResult, stamp?: { machine: string; date: string }): string[] {
  const sum = (f: (p: RefreshPhaseRow) => number | undefined): number => r.phases.reduce((a, p) => a + (f(p) ?? 0), 0);
  const poll = [...new Set(r.pollIntervalsMs.map((x) => Math.round(x / 100) * 100))];
  const timeline = (marks: TimelineMark[]): string[] => marks.map((m, i) => `| ${m.label} | ${s(m.atMs)} | ${i === 0 ? '' : s(m.atMs - marks[i - 1].atMs)} |`);
  const totalPoll = sum((p) => p.pollWaitMs);
  const totalServer = sum((p) => p.serverMs);
  return [
    '## One refresh end to end: the app\'s own time per phase',
    '',
    ...(stamp ? [`Machine: ${stamp.machine}`, `Date: ${stamp.date}`, 'Reproduce: `npm run build && node dist/bench/refreshPhases.js` (this section alone) or `npm run bench`.', ''] : []),
    `The sample estate's refresh job \`${r.job}\` (${r.source} → ${r.target}, its sanitizing script), with the emulated \`Sales\` at`,
    `${r.sizeMB} MB (\`sizeMB\`; ${r.sampleSizeMB === r.sizeMB ? 'as the sample has it' : `the sample's is ${Math.round(r.sampleSizeMB)} MB`}) and the sample's throughputs: the source managed`,
    `instance backs up at ${r.sourceThroughputMBps} MB/s, the target SQL Server restores at ${r.targetThroughputMBps} MB/s (clock speed 1). ${r.liveCopyBefore ? `Last night's copy is live on the target (a 2 GB \`${r.target.split('/')[1]}\`), so the swap renames it aside and retain drops it (the job keeps 0 previous copies): a run like every run but the first.` : 'The target has no copy yet (the job\'s first run): the swap only renames the staging copy.'}`,
    'The app\'s compiled functions run in the local Functions host, in a process of its own with no local.settings.json: every setting at',
    `its Azure default, RESTORE_POLL_MS unset (15000 ms; the waits the benchmark saw were ${poll.map((x) => `${x} ms`).join(', ') || '–'}), queue triggers polling as host.json says`,
    `(at most every 2 s when idle), the timers (link health, refresh scheduler, sweeper) running as deployed; ARM answers each request after ${r.armLatencyMs} ms.`,
    'The run is started with `POST /api/refreshes/nightly-sales-refresh/run` and followed with `GET /api/operations/{id}` once a second;',
    'nothing is nudged. Wall time per phase is the operation\'s `output.phases`; server time is the emulator\'s own record of the work:',
    'the BACKUP\'s msdb `backupset` start and finish (admin API), the RESTORE\'s request start and msdb `restorehistory` date, the sanitizing',
    'batch\'s SQL Agent job run (its start, and its sysjobhistory outcome row as it is written). "Waiting for the next poll" is from the',
    'server\'s work ending (its Agent job ended) to the step that noticed it resuming (the operation\'s audit trail); in the restore phase it',
    'adds the restore operation\'s own poll and the refresh\'s poll of the restore operation. The rest of the app\'s time is its work: SQL and',
    'storage calls, queue hops, job plumbing. The refresh\'s checks, before the first phase, are in the total below.',
    '',
    '| phase | wall | server (simulated) | app\'s own (wall − server) | of which waiting for the next poll | app\'s work |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...r.phases.map((p) => `| ${p.phase} | ${s(p.wallMs)} | ${p.serverMs === undefined ? '–' : s(p.serverMs)} | ${s(p.appMs)} | ${s(p.pollWaitMs)} | ${s(p.appWorkMs)} |`),
    `| **all phases** | **${s(sum((p) => p.wallMs))}** | **${s(totalServer)}** | **${s(sum((p) => p.appMs))}** | **${s(totalPoll)}** | **${s(sum((p) => p.appWorkMs))}** |`,
    '',
    `Total, from the POST to the operation succeeded: **${s(r.totalMs)}**. Before the first phase ${s(r.before[r.before.length - 1]?.atMs)} (${r.before
      .slice(1)
      .map((m) => `${m.label} at ${s(m.atMs)}`)
      .join(', ')}; the POST is the host's first call that needs the app's runtime, which it loads then);`,
    `after the last phase ${s(r.afterMs)} (the finish step). Server work is ${s(totalServer)} of the total (expected from size / throughput: BACKUP`,
    `${s(r.expected.backupMs)}, RESTORE ${s(r.expected.restoreMs)}), waiting for polls ${s(totalPoll)}, the app's own work the remaining ${s(r.totalMs - totalServer - totalPoll)}.`,
    '',
    'What the server work was:',
    '',
    ...r.phases.filter((p) => p.serverMs !== undefined).map((p) => `- ${p.phase}: ${p.server}`),
    '',
    'Inside the backup phase (from the phase\'s start):',
    '',
    '| mark | at | since the previous |',
    '| --- | ---: | ---: |',
    ...timeline(r.backupTimeline),
    '',
    'Inside the restore phase:',
    '',
    '| mark | at | since the previous |',
    '| --- | ---: | ---: |',
    ...timeline(r.restoreTimeline),
    '',
    `RESTORE_POLL_MS dominates at its Azure default: ${s(totalPoll)} of the app's ${s(r.totalMs - totalServer)} is waiting for a poll after the server had`,
    'finished. A step that starts a SQL Agent job (the backup, each sanitizing batch, the restore operation\'s RESTORE) answers "running" and',
    'looks again RESTORE_POLL_MS later however soon the job ends, so a sanitizing batch that runs in milliseconds costs a whole poll. The',
    'refresh looks at its restore operation every RESTORE_POLL_MS too, on a cycle of its own: the restore operation\'s end is seen only at the',
    ...restoreLookNote(r.restoreTimeline),
    '',
  ];
}

if (require.main === module) {
  const armLatency = process.env.BENCH_ARM_LATENCY_MS ? Number(process.env.BENCH_ARM_LATENCY_MS) : undefined;
  const firstRun = process.env.BENCH_REFRESH_FIRST_RUN === '1';
  console.log(`refresh: one run of ${JOB} (Sales at ${SIZE_MB} MB), the app's own time per phase...`);
  runStandalone(() => benchRefreshPhases({ armLatencyMs: armLatency, firstRun }), refreshPhasesSection);
}
