// Time from the last stripe of a backup committed to its RESTORE running on the emulated target,
// the way a deployed app goes: the BlobCreated event handled by backupUploaded (rule match, the
// stripe recorded on its operation, which wakes it), the work message picked up by a queue trigger
// polling as host.json says (no nudge), the operation's steps at the engine's and RESTORE_POLL_MS's
// defaults, and the SQL Agent job that runs RESTORE. The estate's Sales and throughputs are the
// sample estate's. Event Grid's own delivery time is not in it (the event is handed over at once).
import path from 'node:path';
import { loadEstateFile } from '../emulator/engine/estate';
import { readHostJson } from '../local/host/hostJson';
import { engineSettings, readHostLimits } from '../shared/platform/hostLimits';
import { startRestoreWorld } from '../test/helpers/restoreWorld';

/** the phases, in order, each from the end of the previous one */
export const PHASES = ['event (rule match, stripe recorded, operation woken)', 'queue hop (trigger poll)', 'listing (locate)', 'credential', 'inspection (LABELONLY, HEADERONLY, FILELISTONLY)', 'pre-checks', 'Agent job start to RESTORE running'] as const;

export interface RestoreLatencyResult {
  runs: number;
  pollMs: number;
  maxPollingIntervalMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** per phase: p50 and max */
  phases: Array<{ phase: (typeof PHASES)[number]; p50Ms: number; maxMs: number }>;
}

const AZURE_DEFAULT_POLL_MS = 15_000;

/** waits on its own, as the queue trigger runs: nothing here pumps the queue */
async function until(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function benchRestoreLatency(runs: number): Promise<RestoreLatencyResult> {
  const appRoot = path.resolve(__dirname, '..', '..');
  const host = readHostJson(appRoot).queues;
  // the engine's own defaults for time; the world keeps its private queue and table names
  const timing = { ...engineSettings({}, readHostLimits(appRoot, {})) };
  for (const name of ['queueName', 'operationsTable', 'locksTable', 'duplicatesTable'] as const) delete timing[name];
  const sample = loadEstateFile(path.join(appRoot, 'emulator', 'estate.sample.json'));
  const pickedUp = new Map<string, number[]>();
  const world = await startRestoreWorld({
    pollMs: AZURE_DEFAULT_POLL_MS,
    engine: timing,
    queue: { batchSize: host.batchSize, maxDequeueCount: host.maxDequeueCount, visibilityTimeoutSeconds: Math.ceil(host.visibilityTimeoutMs / 1000), maxPollingIntervalMs: host.maxPollingIntervalMs },
    onWork: (id) => pickedUp.set(id, [...(pickedUp.get(id) ?? []), Date.now()]),
    emulated: (e) => {
      for (const instance of e.instances) {
        const model = sample.instances.find((s) => s.name === instance.name);
        if (model?.throughputMBps) instance.throughputMBps = model.throughputMBps;
        const sales = model?.databases?.find((d) => d.name === 'Sales');
        const i = instance.databases?.findIndex((d) => d.name === 'Sales') ?? -1;
        if (sales && instance.databases && i >= 0) instance.databases[i] = { ...sales };
      }
    },
  });
  const target = world.emulator.find('sql-dev').instance;
  const totals: number[] = [];
  const phaseSamples: number[][] = PHASES.map(() => []);
  world.pump.start();
  try {
    for (let i = 0; i < runs; i++) {
      const stamp = `20261206_${String(1000 + i)}`;
      const [first, last] = await world.backup('Sales', { kind: 'full', stripes: 2, timestamp: stamp });
      const started = await world.deliver(await world.upload(first));
      if (started.outcome !== 'started') throw new Error(`the first stripe did not start a restore: ${JSON.stringify(started)}`);
      const id = started.operationId;
      // the operation looks, finds one stripe, and waits (RESTORE_POLL_MS) for the other
      await until(async () => (await world.engine.get(id))?.state === 'waiting', 60_000);
      const event = await world.upload(last);
      const committed = Date.now();
      await world.deliver(event);
      const delivered = Date.now();
      for (;;) {
        if (target.activeRequests().some((r) => r.command === 'RESTORE DATABASE')) break;
        if (Date.now() - committed > 60_000) throw new Error(`no RESTORE started within 60 s for ${id}: ${JSON.stringify(await world.engine.get(id))}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const running = Date.now();
      totals.push(running - committed);
      const pickup = (pickedUp.get(id) ?? []).find((t) => t >= delivered) ?? delivered;
      const audit = await world.engine.audit(id);
      const doneAt = (step: string): number => {
        const entry = audit.find((a) => a.fromStep === step && new Date(a.at).getTime() >= pickup - 5);
        return entry ? new Date(entry.at).getTime() : pickup;
      };
      const marks = [committed, delivered, pickup, doneAt('locate'), doneAt('credential'), doneAt('inspect'), doneAt('precheck'), running];
      for (let p = 0; p < PHASES.length; p++) phaseSamples[p].push(Math.max(0, marks[p + 1] - marks[p]));
      // let it finish before the next run (its watch step looks every RESTORE_POLL_MS)
      await until(() => world.settled(id), 180_000);
    }
  } finally {
    await world.pump.stop();
    await world.stop();
  }
  const at = (xs: number[], p: number): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  };
  return {
    runs,
    pollMs: AZURE_DEFAULT_POLL_MS,
    maxPollingIntervalMs: host.maxPollingIntervalMs,
    p50Ms: at(totals, 50),
    p99Ms: at(totals, 99),
    maxMs: Math.max(...totals),
    phases: PHASES.map((phase, p) => ({ phase, p50Ms: at(phaseSamples[p], 50), maxMs: Math.max(...phaseSamples[p]) })),
  };
}
