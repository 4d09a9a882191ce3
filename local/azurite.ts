// Starts a private Azurite (blob, queue, table) as a child process: in memory (or on disk under a
// folder, for `npm start`'s state kept across runs), telemetry off, on free loopback ports (or the
// ports asked for). Used by `npm start`, the tests and the benchmarks.
import { spawn, ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
// Azurite's well-known development key (public, documented; not a secret).
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** 0 = any free port */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** serve HTTPS with this certificate (PEM); needed for bearer tokens */
  tls?: { cert: string; key: string };
  /**
   * Accept Entra bearer tokens ("--oauth basic": Azurite checks their issuer, audience and
   * lifetime, not their signature), so a user delegation key can be asked for. Needs `tls`.
   */
  oauth?: boolean;
  /**
   * keep blobs, queues and tables on disk in this folder (Azurite's --location): they survive a
   * restart. Absent (the default, for tests): in memory, gone when Azurite stops.
   */
  location?: string;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const script = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
  if (options.oauth && !options.tls) throw new Error('Azurite accepts bearer tokens over HTTPS only: pass tls with oauth');
  let tlsDir: string | undefined;
  const secure: string[] = [];
  if (options.tls) {
    tlsDir = mkdtempSync(path.join(tmpdir(), 'azurite-tls-'));
    writeFileSync(path.join(tlsDir, 'cert.pem'), options.tls.cert);
    writeFileSync(path.join(tlsDir, 'key.pem'), options.tls.key, { mode: 0o600 });
    secure.push('--cert', path.join(tlsDir, 'cert.pem'), '--key', path.join(tlsDir, 'key.pem'));
    if (options.oauth) secure.push('--oauth', 'basic');
  }
  const scheme = options.tls ? 'https' : 'http';
  if (options.location) mkdirSync(options.location, { recursive: true, mode: 0o700 });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      script,
      ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--blobHost', '127.0.0.1', '--blobPort', String(options.blobPort ?? 0),
      '--queueHost', '127.0.0.1', '--queuePort', String(options.queuePort ?? 0),
      '--tableHost', '127.0.0.1', '--tablePort', String(options.tablePort ?? 0),
      ...secure,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const removeTls = (): void => {
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  };
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    const found: Record<string, number> = {};
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start in 60 s:\n${output}`)), 60_000);
    const onEarlyExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}:\n${output}`));
    };
    child.once('exit', onEarlyExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const m of output.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at https?:\/\/127\.0\.0\.1:(\d+)/g)) {
        found[m[1].toLowerCase()] = Number(m[2]);
      }
      if (found.blob && found.queue && found.table) {
        clearTimeout(timer);
        child.removeListener('exit', onEarlyExit);
        resolve(found);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  }).catch((err: unknown) => {
    // nothing left behind: no process, no key file
    child.kill('SIGKILL');
    removeTls();
    throw err;
  });
  const blobEndpoint = `${scheme}://127.0.0.1:${ports.blob}/${AZURITE_ACCOUNT}`;
  const queueEndpoint = `${scheme}://127.0.0.1:${ports.queue}/${AZURITE_ACCOUNT}`;
  const tableEndpoint = `${scheme}://127.0.0.1:${ports.table}/${AZURITE_ACCOUNT}`;
  return {
    blobPort: ports.blob,
    queuePort: ports.queue,
    tablePort: ports.table,
    blobEndpoint,
    queueEndpoint,
    tableEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=${scheme};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          removeTls();
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        // SIGTERM lets Azurite write its databases to disk (it autosaves only every 5 s)
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), options.location ? 15_000 : 5000).unref();
      }),
  };
}

/** An account SAS for Azurite's blob service (no leading '?'), e.g. 'rwl' for a BACKUP TO URL credential. */
export function azuriteAccountSas(permissions: string, key = AZURITE_KEY, expiresInMs = 3600_000): string {
  return generateAccountSASQueryParameters(
    {
      permissions: AccountSASPermissions.parse(permissions),
      services: AccountSASServices.parse('b').toString(),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      protocol: SASProtocol.HttpsAndHttp,
      startsOn: new Date(Date.now() - 60_000),
      expiresOn: new Date(Date.now() + expiresInMs),
    },
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, key),
  ).toString();
}
