// The local Functions host as its own process, started by `npm start` with the emulator's CA in
// NODE_EXTRA_CA_CERTS (the app keeps encrypt: true and certificate checks, as in Azure).
import path from 'node:path';
import { startLocalHost } from './host';

async function main(): Promise<void> {
  const appRoot = path.resolve(__dirname, '..', '..');
  const port = process.env.FUNCTIONS_HTTP_PORT ? Number(process.env.FUNCTIONS_HTTP_PORT) : undefined;
  const host = await startLocalHost({ appRoot, port });
  process.send?.({ ready: true, url: host.url, functions: host.functions });
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
