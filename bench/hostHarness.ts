// What the benchmarks that run the app as deployed share (bench/failoverLatency.ts,
// bench/refreshPhases.ts): the local Functions host in a process of its own (bench/failoverHost.ts,
// no local.settings.json: every other setting at its Azure default), pointed at Azurite, an estate
// file and the ARM emulator, and the teardown of all of it.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ArmEmulator } from '../emulator/arm/server';
import type { RunningEstate } from '../emulator/engine/estateServer';
import { generateTlsMaterial } from '../emulator/tds';
import type { AzuriteInstance } from '../local/azurite';
import { HOST_SETTINGS_VARIABLE } from './failoverHost';

export interface BenchHostOptions {
  /** Azurite's connection string (AzureWebJobsStorage) */
  storage: string;
  estateFile: string;
  /** the ARM emulator (ARM_ENDPOINT) */
  armUrl: string;
  /** the app settings the estate names for its SQL logins' passwords */
  passwords: Record<string, string>;
  /** the emulated SQL endpoints' and ARM's CAs in one PEM file (NODE_EXTRA_CA_CERTS): writeCaBundle */
  caBundle: string;
  /** the host's stdout and stderr */
  logFile: string;
}

export interface BenchHost {
  child: ChildProcess;
  url: string;
  /** each function as the host describes it ("linkHealth: timer 0 *\/1 * * * *") */
  functions: string[];
  /** the function key the API calls carry (x-functions-key) */
  key: string;
}

/** One bundle with both local CAs (the SQL endpoints' and ARM's), as npm start makes it; its path. */
export function writeCaBundle(dir: string, estate: RunningEstate, armCaPath: string): string {
  const bundle = path.join(dir, 'ca-bundle.pem');
  writeFileSync(bundle, `${generateTlsMaterial(estate.instances.map((r) => r.instance.serverName)).ca}\n${readFileSync(armCaPath, 'utf8')}`);
  return bundle;
}

/** The host in its own process, logging to a file; its app settings are only the ones given here. */
export async function startBenchHost(options: BenchHostOptions): Promise<BenchHost> {
  const key = randomBytes(18).toString('base64url');
  const values: Record<string, string> = {
    FUNCTIONS_WORKER_RUNTIME: 'node',
    AzureWebJobsStorage: options.storage,
    ESTATE_FILE: options.estateFile,
    ARM_ENDPOINT: options.armUrl,
    ...options.passwords,
    FUNCTIONS_DEFAULT_KEY: key,
    FUNCTIONS_MASTER_KEY: randomBytes(18).toString('base64url'),
  };
  const { logFile } = options;
  const fd = openSync(logFile, 'a');
  // nothing of this process's environment but what a process needs: no app setting leaks in
  const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: options.caBundle, [HOST_SETTINGS_VARIABLE]: JSON.stringify(values) };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name] !== undefined) env[name] = process.env[name];
  const child = fork(path.join(__dirname, 'failoverHost.js'), [], { env, stdio: ['ignore', fd, fd, 'ipc'] });
  closeSync(fd);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Functions host did not start within 60 s (log: ${logFile})`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Functions host exited with code ${code} before it was ready (log: ${logFile})`));
    });
    child.on('message', (m: { ready?: boolean; url?: string; functions?: string[] }) => {
      if (!m.ready || !m.url) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, url: m.url, functions: m.functions ?? [], key });
    });
  });
}

/** Stops the host the benchmark started, by its own process: SIGTERM, SIGKILL after 15 s. */
export async function stopBenchHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Stops what a run started, whatever it got to (the host first), and removes its folder when the
 * run succeeded; when it did not, the host's log is kept there and said so.
 */
export async function tearDownBenchRun(
  started: { host?: ChildProcess; arm?: ArmEmulator; emulator?: RunningEstate; azurite?: AzuriteInstance },
  run: { ok: boolean; dir: string; hostLog: string; log: (line: string) => void },
): Promise<void> {
  if (started.host) await stopBenchHost(started.host);
  await started.arm?.close().catch(() => undefined);
  await started.emulator?.stop().catch(() => undefined);
  await started.azurite?.stop().catch(() => undefined);
  if (run.ok) rmSync(run.dir, { recursive: true, force: true });
  else if (existsSync(run.hostLog)) run.log(`  the host's log is kept in ${run.hostLog}`);
}
