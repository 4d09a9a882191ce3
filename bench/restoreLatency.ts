// Time from the last stripe of a backup committed to its RESTORE running on the emulated target:
// event delivery, rule matching, the operation's steps up to the SQL Agent job that runs RESTORE.
// The restore world is the one the integration tests use (Azurite + emulator + real clients).
import { startRestoreWorld } from '../test/helpers/restoreWorld';

export interface RestoreLatencyResult {
  runs: number;
  pollMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function benchRestoreLatency(runs: number): Promise<RestoreLatencyResult> {
  const world = await startRestoreWorld();
  const target = world.emulator.find('sql-dev').instance;
  const samples: number[] = [];
  world.pump.start();
  try {
    for (let i = 0; i < runs; i++) {
      const stamp = `20261122_${String(1000 + i)}`;
      const [first, last] = await world.backup('Sales', { kind: 'full', stripes: 2, timestamp: stamp });
      await world.deliver(await world.upload(first));
      await new Promise((r) => setTimeout(r, 300)); // the first stripe's restore is waiting for the second
      const event = await world.upload(last);
      const committed = Date.now();
      await world.deliver(event);
      world.pump.nudge();
      for (;;) {
        if (target.activeRequests().some((r) => r.command === 'RESTORE DATABASE')) break;
        if (Date.now() - committed > 60_000) {
          const ops = await world.restores();
          throw new Error(`no RESTORE started within 60 s: ${ops.slice(0, 4).map((o) => `${o.id} ${o.state} ${o.step} ${o.waitReason ?? ''} ${o.error?.code ?? ''} ${o.error?.message ?? ''}`).join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      samples.push(Date.now() - committed);
      // let it finish before the next run
      const ops = await world.restores();
      await world.drainUntil(() => world.settled(...ops.map((o) => o.id)), 120_000).catch(() => undefined);
    }
  } finally {
    await world.pump.stop();
    await world.stop();
  }
  samples.sort((a, b) => a - b);
  const at = (p: number): number => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
  return { runs, pollMs: 250, p50Ms: at(50), p99Ms: at(99), maxMs: samples[samples.length - 1] };
}
