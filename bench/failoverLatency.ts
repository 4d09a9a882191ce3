// From a SQL Server primary going down to the forced failover being issued, the way a deployed app
// goes: the app's compiled functions served by the local Functions host in a process of its own
// with Azure's default settings (the link-health timer each minute, the default health thresholds,
// queue triggers polling as host.json says, FAILOVER_POLL_MS and the lease at their defaults), the
// link's failover policy at its defaults except mode automatic, forced allowed and a data-loss
// budget, the emulated estate at clock speed 1, and nothing nudged: no sweep is called, no queue
// pumped. Each of N independent links (SQL Server sql-0i -> managed instance mi-0i, one database
// under a workload) is one run: its SQL Server is taken down through the emulator's admin API at its
// own random moment within a minute, and the run ends when the ARM emulator receives the
// `POST …/distributedAvailabilityGroups/{link}/failover` of that link.
//
// Standalone: `npm run build && node dist/bench/failoverLatency.js` (replaces its section of
// bench/RESULTS.md); `npm run bench` runs it with the others.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineArmBackend } from '../emulator/arm/engineBackend';
import { startArmEmulator, type ArmEmulator, type RequestLogEntry } from '../emulator/arm/server';
import { defaultServices } from '../emulator/engine/defaultServices';
import { startEstate, type RunningEstate } from '../emulator/engine/estateServer';
import { manyLinks } from '../emulator/engine/generatedEstate';
import { startAzurite, type AzuriteInstance } from '../local/azurite';
import { validateEstate } from '../shared/config/validate';
import { DEFAULT_LINK_HEALTH_SCHEDULE } from '../shared/link/settings';
import { startBenchHost, tearDownBenchRun, writeCaBundle } from './hostHarness';
import { runStandalone } from './resultsFile';

/** the phases, in order, each from the end of the previous one */
export const FAILOVER_PHASES = [
  'down to the first sample showing the link unknown (next timer sweep)',
  'first unknown sample to the decision `act` (the policy\'s 3 consecutive signals)',
  'decision to the failover operation created',
  'operation created to ARM failover received (queue hop, checks, force step)',
] as const;

export interface FailoverRun {
  link: string;
  /** seconds after the minute (the timer fires at :00) when the SQL Server was taken down */
  downOffsetSeconds: number;
  /** down to ARM failover received, ms; undefined when no failover was issued */
  totalMs?: number;
  /** per phase, ms (undefined past the point the run reached) */
  phasesMs: Array<number | undefined>;
  /** the decision's estimated data loss, s */
  estimateSeconds?: number;
  /** decisions stored before the one that acted (signals 1 and 2) */
  decisionsBeforeAct: number;
  /** ARM failover POSTs received for this link */
  failoverCalls: number;
  /** the operation's own record of the call (its actions) */
  issuedAction?: string;
  /** the last decision's summary when no failover was issued */
  outcome: string;
}

export interface FailoverLatencyResult {
  runs: number;
  issued: number;
  schedule: string;
  budgetSeconds: number;
  armLatencyMs: number;
  targetMs: number;
  p50Ms?: number;
  p99Ms?: number;
  minMs?: number;
  maxMs?: number;
  phases: Array<{ phase: (typeof FAILOVER_PHASES)[number]; p50Ms?: number; minMs?: number; maxMs?: number }>;
  estimate: { p50Seconds?: number; minSeconds?: number; maxSeconds?: number };
  perRun: FailoverRun[];
  wallMs: number;
}

export interface FailoverLatencyOptions {
  /** the links' failover.dataLossBudgetSeconds (default 120: the estimate counts up to a sweep interval of age; see the RESULTS text) */
  budgetSeconds?: number;
  /** each ARM answer waits this long, as a remote service does (default 300 ms) */
  armLatencyMs?: number;
  /** progress lines */
  log?: (line: string) => void;
}

const PASSWORD = 'Bench-Local-Only-Password-1';
const PASSWORD_SETTING = 'BENCH_SQL_PASSWORD';
const SUBSCRIPTION = '00000000-0000-0000-0000-0000000fa110';
const RESOURCE_GROUP = 'rg-bench';
const TARGET_MS = 120_000;
const MINUTE_MS = 60_000;
/** a run that has not failed over this long after its primary went down has failed */
const RUN_DEADLINE_MS = 4 * MINUTE_MS;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(xs: number[], p: number): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface HistoryPoint {
  at: string;
  observed: string;
  state: string;
}
interface Decision {
  kind: string;
  type?: string;
  decidedAt: string;
  summary: string;
  operationId?: string;
  estimate?: { seconds: number };
}
interface OperationView {
  id: string;
  state: string;
  createdAt: string;
  input?: { link?: string; type?: string };
  output?: { actions?: Array<{ at: string; what: string }> };
}

export async function benchFailoverLatency(runs: number, options: FailoverLatencyOptions = {}): Promise<FailoverLatencyResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const budgetSeconds = options.budgetSeconds ?? 120;
  const armLatencyMs = options.armLatencyMs ?? 300;
  const began = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-autopilot-bench-failover-'));
  const hostLog = path.join(dir, 'host.log');
  let azurite: AzuriteInstance | undefined;
  let emulator: RunningEstate | undefined;
  let arm: ArmEmulator | undefined;
  let host: ChildProcess | undefined;
  let ok = false;
  try {
    azurite = await startAzurite();
    // runs x (its own SQL Server + managed instance + one link), clock speed 1, the generated estate's workload
    const emulated = manyLinks({ managedInstances: runs, linksPerInstance: 1, login: { name: 'sa', password: PASSWORD }, clockSpeed: 1 });
    emulator = await startEstate(emulated, { services: defaultServices() });
    const caPath = path.join(dir, 'arm-ca.pem');
    arm = await startArmEmulator({
      backend: new EngineArmBackend({ instances: emulator.instances.map((r) => r.instance), links: emulator.links, subscriptionId: SUBSCRIPTION, resourceGroup: RESOURCE_GROUP }),
      caPath,
      responseDelayMs: armLatencyMs,
    });
    // the moment ARM receives each failover POST: the emulator logs a request as it answers it,
    // after its response delay; the failover itself was accepted when the request came in
    const failoverPosts = new Map<string, number[]>();
    const requests = arm.requests;
    const push = requests.push.bind(requests);
    requests.push = (...entries: RequestLogEntry[]): number => {
      const at = Date.now() - armLatencyMs;
      for (const e of entries) {
        const m = /\/managedInstances\/([^/]+)\/distributedAvailabilityGroups\/([^/]+)\/failover$/i.exec(e.path);
        if (e.method === 'POST' && m && e.status === 202) {
          const key = `${decodeURIComponent(m[1])}.${decodeURIComponent(m[2])}`.toLowerCase();
          failoverPosts.set(key, [...(failoverPosts.get(key) ?? []), at]);
        }
      }
      return push(...entries);
    };

    // the app's estate: every instance where it runs, each link automatic for forced failovers
    const instances = emulator.instances.map((r) => {
      const kind = r.instance.config.kind;
      return {
        name: r.instance.config.name,
        kind,
        endpoint: { host: r.host, port: r.port },
        auth: { type: 'sql', user: kind === 'managedInstance' ? 'miadmin' : 'sa', passwordSetting: PASSWORD_SETTING },
        environment: 'production',
        ...(kind === 'managedInstance' ? { armResourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Sql/managedInstances/${r.instance.config.name}` } : {}),
      };
    });
    const links = (emulated.links ?? []).map((l) => ({
      name: `${l.managedInstance.instance}.${l.name}`,
      sqlServer: l.sqlServer,
      managedInstance: l.managedInstance,
      distributedAvailabilityGroup: l.name,
      databases: l.databases,
      // health thresholds, cooldown, consecutiveSignals, approval timeout ...: the defaults
      failover: { mode: 'automatic', allowedTypes: ['planned', 'forced'], dataLossBudgetSeconds: budgetSeconds },
    }));
    const appEstate = { instances, links };
    const checked = validateEstate(appEstate, 'bench');
    for (const l of checked.links) {
      if (l.health.samplesToChange !== 3 || l.health.confirmSeconds !== 10 || l.failover.consecutiveSignals !== 3) throw new Error(`link ${l.name} is not at the default thresholds`);
    }
    const estateFile = path.join(dir, 'estate.json');
    writeFileSync(estateFile, `${JSON.stringify(appEstate, null, 2)}\n`);
    const started = await startBenchHost({
      storage: azurite.connectionString,
      estateFile,
      armUrl: arm.url,
      passwords: { [PASSWORD_SETTING]: PASSWORD },
      caBundle: writeCaBundle(dir, emulator, caPath),
      logFile: hostLog,
    });
    host = started.child;
    const timer = started.functions.find((f) => f.startsWith('linkHealth:'));
    if (timer !== `linkHealth: timer ${DEFAULT_LINK_HEALTH_SCHEDULE}`) throw new Error(`the link-health timer is not at its default schedule: ${timer ?? 'not loaded'}`);
    log(`  host pid ${host.pid} at ${started.url}; ${timer}; log ${hostLog}`);

    const api = async <T>(p: string): Promise<T> => {
      const res = await fetch(`${started.url}/api/${p}`, { headers: { 'x-functions-key': started.key } });
      if (!res.ok) throw new Error(`GET /api/${p}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };

    // the first timer sweep (at the next minute) finds every link healthy, with its RPO: the
    // estimate a forced failover needs
    const sampledBy = Date.now() + 2 * MINUTE_MS;
    for (;;) {
      const { links: views } = await api<{ links: Array<{ name: string; state: string; rpoSeconds?: number }> }>('links');
      if (views.length === runs && views.every((v) => v.state === 'healthy' && v.rpoSeconds !== undefined)) break;
      if (Date.now() > sampledBy) throw new Error(`the links were not all sampled healthy within 2 minutes: ${JSON.stringify(views.map((v) => [v.name, v.state]))}`);
      await sleep(500);
    }
    const readyAt = Date.now();
    log(`  every link sampled healthy ${((readyAt - began) / 1000).toFixed(1)} s after the start; taking the SQL Servers down within the next minute`);

    // each primary down at its own random moment within one minute (a uniform offset to the timer)
    const downAt = new Map<string, number>();
    const downErrors: string[] = [];
    const adminUrl = emulator.adminUrl;
    const delays = links.map(() => Math.random() * MINUTE_MS);
    const downs = links.map(async (l, i) => {
      await sleep(delays[i]);
      const at = Date.now();
      try {
        const res = await fetch(`${adminUrl}/instances/${l.sqlServer.instance}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'instanceDown' }) });
        if (res.status !== 201) downErrors.push(`instanceDown on ${l.sqlServer.instance}: HTTP ${res.status} ${await res.text()}`);
        else downAt.set(l.name, at);
      } catch (err) {
        downErrors.push(`instanceDown on ${l.sqlServer.instance}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });

    // wait, without touching anything, until each link's failover reached ARM, or its operation
    // stopped short of it (waiting for an approval, failed), or its deadline passed
    const stoppedShort = new Set<string>();
    let lastOpsLook = 0;
    for (;;) {
      if (downErrors.length > 0) throw new Error(downErrors.join('; '));
      const now = Date.now();
      if (now - lastOpsLook >= 5_000) {
        lastOpsLook = now;
        const { operations } = await api<{ operations: OperationView[] }>('operations?kind=failover&limit=100');
        for (const op of operations) if (op.input?.link && ['awaiting-approval', 'failed', 'cancelled'].includes(op.state)) stoppedShort.add(op.input.link);
      }
      const pending = links.filter((l) => {
        const down = downAt.get(l.name);
        if (down === undefined) return true;
        if (failoverPosts.has(l.name.toLowerCase()) || stoppedShort.has(l.name)) return false;
        return now - down < RUN_DEADLINE_MS;
      });
      if (pending.length === 0) break;
      await sleep(250);
    }
    await Promise.all(downs);
    log(`  ${failoverPosts.size} of ${runs} failovers issued; collecting the app's records`);

    // the operations that issued it finish (verify, redirect) so their actions are saved
    const settleBy = Date.now() + 60_000;
    let operations: OperationView[] = [];
    for (;;) {
      operations = (await api<{ operations: OperationView[] }>('operations?kind=failover&limit=100')).operations;
      const open = operations.filter((o) => failoverPosts.has((o.input?.link ?? '').toLowerCase()) && !['succeeded', 'failed', 'cancelled'].includes(o.state));
      if (open.length === 0 || Date.now() > settleBy) break;
      await sleep(1_000);
    }

    const perRun: FailoverRun[] = [];
    for (const l of links) {
      const down = downAt.get(l.name) as number;
      const history = (await api<{ samples: HistoryPoint[] }>(`links/${encodeURIComponent(l.name)}/history?from=${new Date(readyAt - MINUTE_MS).toISOString()}&to=${new Date().toISOString()}&limit=1000`)).samples;
      // the link's decisions since it went down, oldest first
      const decisions = (await api<{ decisions: Decision[] }>(`links/${encodeURIComponent(l.name)}/decisions?limit=50`)).decisions.filter((d) => Date.parse(d.decidedAt) >= down).reverse();
      const firstUnknown = history.find((p) => p.observed === 'unknown');
      const actIndex = decisions.findIndex((d) => d.kind === 'act' && d.type === 'forced');
      const act = actIndex >= 0 ? decisions[actIndex] : undefined;
      const op = act?.operationId ? operations.find((o) => o.id === act.operationId) : undefined;
      const posts = failoverPosts.get(l.name.toLowerCase()) ?? [];
      const issuedAction = op?.output?.actions?.find((a) => /ARM failover ForcedAllowDataLoss issued/.test(a.what));
      const issued = posts.length > 0 && issuedAction ? posts[0] : undefined;
      const marks = [down, firstUnknown && Date.parse(firstUnknown.at), act && Date.parse(act.decidedAt), op && Date.parse(op.createdAt), issued];
      const phasesMs = FAILOVER_PHASES.map((_, p) => {
        const from = marks[p];
        const to = marks[p + 1];
        return from === undefined || to === undefined ? undefined : Math.max(0, to - from);
      });
      const last = decisions[decisions.length - 1];
      perRun.push({
        link: l.name,
        downOffsetSeconds: Math.round(((down % MINUTE_MS) / 1000) * 10) / 10,
        totalMs: issued === undefined ? undefined : issued - down,
        phasesMs,
        estimateSeconds: (act ?? last)?.estimate?.seconds,
        decisionsBeforeAct: actIndex >= 0 ? actIndex : decisions.length,
        failoverCalls: posts.length,
        issuedAction: issuedAction?.what,
        outcome: issued !== undefined ? 'issued' : posts.length > 0 ? 'ARM received a failover POST, but the operation does not record a forced one' : last ? last.summary : 'no decision',
      });
    }
    const totals = perRun.flatMap((r) => (r.totalMs === undefined ? [] : [r.totalMs]));
    const estimates = perRun.flatMap((r) => (r.estimateSeconds === undefined ? [] : [r.estimateSeconds]));
    ok = true;
    return {
      runs,
      issued: totals.length,
      schedule: DEFAULT_LINK_HEALTH_SCHEDULE,
      budgetSeconds,
      armLatencyMs,
      targetMs: TARGET_MS,
      p50Ms: percentile(totals, 50),
      p99Ms: percentile(totals, 99),
      minMs: totals.length ? Math.min(...totals) : undefined,
      maxMs: totals.length ? Math.max(...totals) : undefined,
      phases: FAILOVER_PHASES.map((phase, p) => {
        const xs = perRun.flatMap((r) => (r.phasesMs[p] === undefined ? [] : [r.phasesMs[p] as number]));
        return { phase, p50Ms: percentile(xs, 50), minMs: xs.length ? Math.min(...xs) : undefined, maxMs: xs.length ? Math.max(...xs) : undefined };
      }),
      estimate: { p50Seconds: percentile(estimates, 50), minSeconds: estimates.length ? Math.min(...estimates) : undefined, maxSeconds: estimates.length ? Math.max(...estimates) : undefined },
      perRun,
      wallMs: Date.now() - began,
    };
  } finally {
    await tearDownBenchRun({ host, arm, emulator, azurite }, { ok, dir, hostLog, log });
  }
}

const ms = (v: number | undefined): string => (v === undefined ? '–' : `${(v / 1000).toFixed(1)} s`);

/** bench/RESULTS.md's section; `stamp` when it is measured apart from the other benchmarks */
export function failoverLatencySection(r: FailoverLatencyResult, stamp?: { machine: string; date: string }): string[] {
  const met = r.issued === r.runs && r.p99Ms !== undefined && r.p99Ms < r.targetMs;
  return [
    '## SQL Server primary down to the forced failover issued (policy automatic)',
    '',
    ...(stamp ? [`Machine: ${stamp.machine}`, `Date: ${stamp.date}`, 'Reproduce: `npm run build && node dist/bench/failoverLatency.js` (this section alone) or `npm run bench`.', ''] : []),
    `${r.runs} independent links in one emulated estate (SQL Server sql-0i → managed instance mi-0i, one database each under the`,
    'generated estate\'s workload, clock speed 1), each one run. The app\'s compiled functions run in the local Functions host, in',
    'a process of its own with no local.settings.json: every setting at its Azure default, the link-health timer',
    `\`${r.schedule}\` (LINK_HEALTH_SCHEDULE unset), the links' health thresholds at their defaults (samplesToChange 3,`,
    'confirmSeconds 10), the failover policy at its defaults (consecutiveSignals 3, cooldown 60 min) except `mode: "automatic"`,',
    `\`allowedTypes: ["planned", "forced"]\` and \`dataLossBudgetSeconds: ${r.budgetSeconds}\`; queue triggers polling as host.json says;`,
    `ARM answering each request after ${r.armLatencyMs} ms, as a remote service. Nothing is nudged: no sweep is called, no queue pumped.`,
    'Each SQL Server is taken down through the emulator admin API (`POST /instances/{sql}/faults {"kind":"instanceDown"}`) at its own',
    'random moment within one minute (the offsets to the timer, which fires at :00, are below); the run ends when the ARM emulator',
    'receives the link\'s `POST …/distributedAvailabilityGroups/{link}/failover` (ForcedAllowDataLoss: the operation records',
    '"ARM failover ForcedAllowDataLoss issued"), timed from the ARM emulator\'s request log as the request came in. Target: under 2 minutes.',
    `${r.perRun.every((x) => x.failoverCalls <= 1) ? 'Each link got at most one failover POST.' : 'A link got more than one failover POST (see the JSON output).'} The whole benchmark took ${(r.wallMs / 60_000).toFixed(1)} min.`,
    '',
    '| runs | failovers issued | p50 | p99 | min | max | target (p99 < 2 min) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    `| ${r.runs} | ${r.issued} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${ms(r.minMs)} | ${ms(r.maxMs)} | ${met ? 'met' : 'not met'} |`,
    '',
    'By phase, each from the end of the one before (the sample\'s time, the decision\'s `decidedAt`, the operation\'s `createdAt`):',
    '',
    '| phase | p50 | min | max |',
    '| --- | ---: | ---: | ---: |',
    ...r.phases.map((p) => `| ${p.phase} | ${ms(p.p50Ms)} | ${ms(p.minMs)} | ${ms(p.maxMs)} |`),
    '',
    'The first phase waits for the next timer sweep. The first sample that cannot read the primary makes the link `unknown` at',
    'once; the link is then sampled again every `confirmSeconds` (10 s) until it has given the policy its 3 consecutive failing',
    'signals, so the second phase is two confirmations. Every link here went down within the minute after its only good sample,',
    'so each estimate is that sample\'s RPO plus its age at the decision (about 85 s): a budget under that makes `automatic`',
    'wait for an approval, which is why this run\'s budget is 120 s.',
    '',
    'Per run:',
    '',
    '| link | down at (s after the minute) | down → unknown | → act | → created | → ARM failover | total | estimated loss at the decision |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...[...r.perRun]
      .sort((a, b) => a.downOffsetSeconds - b.downOffsetSeconds)
      .map((x) => `| ${x.link} | ${x.downOffsetSeconds.toFixed(1)} | ${x.phasesMs.map(ms).join(' | ')} | ${x.totalMs === undefined ? `not issued: ${x.outcome}` : ms(x.totalMs)} | ${x.estimateSeconds === undefined ? '–' : `${x.estimateSeconds} s`} |`),
    '',
    `The decision's estimated data loss is the RPO of the last sample in which both sides answered plus that sample's age: p50`,
    `${r.estimate.p50Seconds ?? '–'} s (min ${r.estimate.minSeconds ?? '–'} s, max ${r.estimate.maxSeconds ?? '–'} s) here, against an emulated RPO near 0. The budget is`,
    `${r.budgetSeconds} s so that the policy acts: with a budget of 30 s, ${r.perRun.filter((x) => (x.estimateSeconds ?? 0) > 30).length} of these ${r.runs} decisions would have been \`await-approval\` (OVER_BUDGET),`,
    'no failover issued until a person approves.',
    '',
  ];
}

if (require.main === module) {
  const runs = Number(process.env.BENCH_FAILOVERS ?? 10);
  const budget = process.env.BENCH_FAILOVER_BUDGET_SECONDS ? Number(process.env.BENCH_FAILOVER_BUDGET_SECONDS) : undefined;
  const armLatency = process.env.BENCH_ARM_LATENCY_MS ? Number(process.env.BENCH_ARM_LATENCY_MS) : undefined;
  console.log(`failover latency: ${runs} links, SQL Server primary down to the forced failover issued...`);
  runStandalone(() => benchFailoverLatency(runs, { budgetSeconds: budget, armLatencyMs: armLatency }), failoverLatencySection);
}
