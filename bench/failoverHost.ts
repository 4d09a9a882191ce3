// The local Functions host for bench/failoverLatency.ts and bench/refreshPhases.ts (started by
// bench/hostHarness.ts), in a process of its own as `npm start` runs it (local/hostProcess.ts),
// with one difference: it reads no local.settings.json. Its app settings are only what the
// benchmark hands over (storage, estate file, ARM endpoint, the SQL password, the keys), so every
// other setting is at its Azure default: LINK_HEALTH_SCHEDULE (each minute), FAILOVER_POLL_MS, the
// operation lease, host.json's function timeout and queue polling.
import path from 'node:path';
import { settingsFromValues, startLocalHost } from '../local/host';

export const HOST_SETTINGS_VARIABLE = 'BENCH_HOST_SETTINGS';

async function main(): Promise<void> {
  const appRoot = path.resolve(__dirname, '..', '..');
  const values = JSON.parse(process.env[HOST_SETTINGS_VARIABLE] ?? '{}') as Record<string, string>;
  delete process.env[HOST_SETTINGS_VARIABLE];
  const host = await startLocalHost({ appRoot, port: 0, settings: settingsFromValues(values), blobWatch: false });
  process.send?.({ ready: true, url: host.url, pid: process.pid, functions: host.functions.map((f) => `${f.name}: ${f.description}`) });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await host.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('disconnect', () => void stop());
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`the benchmark's Functions host could not start: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  });
}
