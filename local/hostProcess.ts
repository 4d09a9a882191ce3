// The local Functions host as its own process, started (and restarted when it dies) by `npm start`
// with the emulator's CA in NODE_EXTRA_CA_CERTS (the app keeps encrypt: true and certificate
// checks, as in Azure). It tells its supervisor, over IPC, which queue messages it holds.
import path from 'node:path';
import { readLocalSettings, settingsFromValues, startLocalHost } from './host';

/** The host's own settings, where an environment variable wins over local.settings.json as it does for the functions. */
const HOST_SETTINGS = ['LOCAL_BLOB_EVENTS', 'LOCAL_BLOB_EVENTS_CONNECTION', 'LOCAL_BLOB_EVENTS_STATE_FILE', 'FUNCTIONS_MASTER_KEY', 'FUNCTIONS_DEFAULT_KEY', 'FUNCTIONS_EVENTGRID_KEY'];

async function main(): Promise<void> {
  const appRoot = path.resolve(__dirname, '..', '..');
  const port = process.env.FUNCTIONS_HTTP_PORT ? Number(process.env.FUNCTIONS_HTTP_PORT) : undefined;
  const file = readLocalSettings(appRoot);
  const values = { ...file.values };
  for (const name of HOST_SETTINGS) if (process.env[name] !== undefined) values[name] = process.env[name] ?? '';
  const host = await startLocalHost({
    appRoot,
    port,
    settings: settingsFromValues(values, file.port),
    // the supervisor (npm start) releases the messages this process held if it dies
    onQueueMessage: (event) => {
      if (process.connected) process.send?.(event);
    },
  });
  process.send?.({ ready: true, url: host.url, functions: host.functions, pid: process.pid });
  const stop = async (): Promise<void> => {
    await host.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('disconnect', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`the local Functions host could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
