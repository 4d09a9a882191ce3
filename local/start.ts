// `npm start`: the whole app on a laptop. Azurite, the emulated estate (SQL Server 2022
// sql-onprem with Sales linked to managed instance mi-prod, non-prod sql-dev) with its ARM
// endpoint, and the local Functions host running this app, all on 127.0.0.1. Ctrl-C stops it all.
// Azurite's data and the estate's state are kept under .local/state/ between runs (--fresh starts
// clean); the host is restarted when it dies, with everything else left running (supervisor.ts).
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startArmEmulator, type ArmEmulator } from '../emulator/arm/server';
import { EngineArmBackend } from '../emulator/arm/engineBackend';
import { defaultServices } from '../emulator/engine/defaultServices';
import { loadEstateFile } from '../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../emulator/engine/estateServer';
import { generateTlsMaterial } from '../emulator/tds';
import { startAzurite, type AzuriteInstance } from './azurite';
import { ensureLocalSettings, readLocalSettings } from './host';
import { addMissingSettings, claimStateDir, statePaths, wipeState } from './localState';
import { HostSupervisor } from './supervisor';

export interface StartOptions {
  /** the emulated estate (default: emulator/estate.sample.json) */
  estate: string;
  /** every port free (tests, a second copy beside a running one) */
  freePorts: boolean;
  port: number;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  armPort: number;
  adminPort: number;
  /** remove the kept state (Azurite's data, the estate's state) before starting */
  fresh: boolean;
  /** where the state is kept; default .local/state, or a temporary folder with --free-ports */
  stateDir?: string;
}

const USAGE = `usage: npm start [-- --port 7071] [--azurite-ports 10000,10001,10002] [--arm-port 14340] [--admin-port 14330] [--estate emulator/estate.sample.json] [--free-ports] [--fresh] [--state-dir <folder>]
  --fresh       start clean: remove the state kept from earlier runs (Azurite's data, the emulated estate's state)
  --state-dir   keep the state in this folder (default .local/state; with --free-ports a new temporary folder)`;

export function parseStartArgs(argv: string[], defaults: StartOptions): StartOptions {
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--free-ports') {
      o.freePorts = true;
      continue;
    }
    if (arg === '--fresh') {
      o.fresh = true;
      continue;
    }
    if (arg === '--help') throw new Error(USAGE);
    const value = argv[++i];
    const port = (text: string | undefined): number => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${arg} needs a port number from 1 to 65535\n${USAGE}`);
      return n;
    };
    if (arg === '--port') o.port = port(value);
    else if (arg === '--arm-port') o.armPort = port(value);
    else if (arg === '--admin-port') o.adminPort = port(value);
    else if (arg === '--estate') {
      if (!value) throw new Error(`--estate needs a file\n${USAGE}`);
      o.estate = value;
    } else if (arg === '--state-dir') {
      if (!value || value.startsWith('--')) throw new Error(`--state-dir needs a folder\n${USAGE}`);
      o.stateDir = value;
    } else if (arg === '--azurite-ports') {
      const parts = (value ?? '').split(',');
      if (parts.length !== 3) throw new Error(`--azurite-ports needs three ports: blob,queue,table\n${USAGE}`);
      [o.blobPort, o.queuePort, o.tablePort] = parts.map(port);
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return o.freePorts ? { ...o, port: 0, blobPort: 0, queuePort: 0, tablePort: 0, armPort: 0, adminPort: 0 } : o;
}

/**
 * The app's estate for this run: the configured one (ESTATE_FILE) with each instance's endpoint
 * and the local backup containers pointed at what actually runs.
 */
export function localAppEstate(appEstate: Record<string, unknown>, endpoints: Map<string, { host: string; port: number }>, blobEndpoint: string, estateFolder?: string): Record<string, unknown> {
  const instances = (appEstate.instances as Record<string, unknown>[] | undefined) ?? [];
  const containers = (appEstate.backupContainers as Record<string, unknown>[] | undefined) ?? [];
  const jobs = (appEstate.refreshJobs as Record<string, unknown>[] | undefined) ?? [];
  // the run's estate is written elsewhere: sanitizing scripts given by path stay where the configured estate has them
  const besideEstate = (script: unknown): unknown =>
    estateFolder && typeof script === 'object' && script !== null && typeof (script as { path?: unknown }).path === 'string' && !path.isAbsolute((script as { path: string }).path)
      ? { ...script, path: path.resolve(estateFolder, (script as { path: string }).path) }
      : script;
  return {
    ...appEstate,
    ...(appEstate.refreshJobs === undefined ? {} : { refreshJobs: jobs.map((j) => (Array.isArray(j.sanitizeScripts) ? { ...j, sanitizeScripts: j.sanitizeScripts.map(besideEstate) } : j)) }),
    instances: instances.map((i) => {
      const running = endpoints.get(String(i.name).toLowerCase());
      return running ? { ...i, endpoint: { ...(i.endpoint as Record<string, unknown>), host: running.host, port: running.port } } : i;
    }),
    backupContainers: containers.map((c) => {
      const m = /^http:\/\/(127\.0\.0\.1|localhost):\d+\/devstoreaccount1\/(.+)$/.exec(String(c.url));
      return m ? { ...c, url: `${blobEndpoint}/${m[2]}` } : c;
    }),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const appRoot = path.resolve(__dirname, '..', '..');
  if (ensureLocalSettings(appRoot)) console.log('created local.settings.json from local.settings.sample.json');
  try {
    const added = addMissingSettings(appRoot);
    if (added.length > 0) console.log(`added ${added.join(', ')} to local.settings.json from local.settings.sample.json (a crashed host's operations resume within about a minute)`);
  } catch (err) {
    // a local.settings.json that does not parse: reading it below says so
    console.error(`local.settings.json was not updated: ${err instanceof Error ? err.message : String(err)}`);
  }
  const settings = readLocalSettings(appRoot);
  let options: StartOptions;
  try {
    options = parseStartArgs(process.argv.slice(2), {
      estate: path.join(appRoot, 'emulator', 'estate.sample.json'),
      freePorts: false,
      port: settings.port ?? 7071,
      blobPort: 10000,
      queuePort: 10001,
      tablePort: 10002,
      armPort: 14340,
      adminPort: 14330,
      fresh: false,
    });
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  // a run on free ports keeps its files apart, so it can run beside another
  const localDir = options.freePorts ? mkdtempSync(path.join(os.tmpdir(), 'mi-autopilot-')) : path.join(appRoot, '.local');
  mkdirSync(localDir, { recursive: true });
  const state = statePaths(path.resolve(options.stateDir ?? path.join(localDir, 'state')));
  const shown = (p: string): string => (p.startsWith(appRoot + path.sep) ? path.relative(appRoot, p) : p);

  let azurite: AzuriteInstance | undefined;
  let estate: RunningEstate | undefined;
  let arm: ArmEmulator | undefined;
  let supervisor: HostSupervisor | undefined;
  let release: (() => void) | undefined;
  let stopping = false;
  const stopAll = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await supervisor?.stop().catch(() => undefined);
    await arm?.close().catch(() => undefined);
    // the estate saves its state as it stops, then Azurite writes its databases
    await estate?.stop().catch(() => undefined);
    await azurite?.stop().catch(() => undefined);
    release?.();
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    release = claimStateDir(state);
    if (options.fresh) {
      const removed = wipeState(state);
      console.log(removed.length > 0 ? `--fresh: removed the state kept in ${shown(state.dir)}` : `--fresh: nothing was kept in ${shown(state.dir)}`);
    }
    azurite = await startAzurite({ blobPort: options.blobPort, queuePort: options.queuePort, tablePort: options.tablePort, location: state.azurite });
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await blobs.getContainerClient('backups').createIfNotExists();

    const estateFile = loadEstateFile(path.resolve(options.estate));
    if (options.freePorts) for (const i of estateFile.instances) i.port = 0;
    estate = await startEstate(estateFile, { services: defaultServices(), adminPort: options.adminPort, stateFile: state.estate, log: (line) => console.log(line) });
    const appEstateFile = path.resolve(appRoot, settings.values.ESTATE_FILE ?? 'estate.sample.json');
    const appEstate = localAppEstate(
      JSON.parse(readFileSync(appEstateFile, 'utf8')) as Record<string, unknown>,
      new Map(estate.instances.map((r) => [r.instance.config.name.toLowerCase(), { host: r.host, port: r.port }])),
      azurite.blobEndpoint,
      path.dirname(appEstateFile),
    );
    const runEstate = path.join(localDir, 'estate.json');
    writeFileSync(runEstate, `${JSON.stringify(appEstate, null, 2)}\n`);
    const armCa = path.join(localDir, 'arm-ca.pem');
    arm = await startArmEmulator({
      // the resource group the sample estate's armResourceIds name; its Log Replay jobs are kept with the estate's state
      backend: new EngineArmBackend({ instances: estate.instances.map((r) => r.instance), links: estate.links, resourceGroup: 'rg-local', persistence: estate.persistence }),
      caPath: armCa,
      port: options.armPort,
      // the sample estate's links point their applications' connection name (a CNAME) here
      privateDnsZones: [{ resourceGroup: 'rg-local', name: 'corp.internal' }],
    });
    // one bundle with both local CAs: the SQL endpoints' and ARM's
    const sqlCa = generateTlsMaterial(estate.instances.map((r) => r.instance.serverName)).ca;
    const bundle = path.join(localDir, 'ca-bundle.pem');
    writeFileSync(bundle, `${sqlCa}\n${readFileSync(armCa, 'utf8')}`);

    const connectionString = azurite.connectionString;
    const armUrl = arm.url;
    supervisor = new HostSupervisor({
      // a restarted host takes the port the first one got (free ports included): the same URL
      spawn: (port) =>
        fork(path.join(__dirname, 'hostProcess.js'), [], {
          env: {
            ...process.env,
            NODE_EXTRA_CA_CERTS: bundle,
            AzureWebJobsStorage: connectionString,
            ESTATE_FILE: runEstate,
            ARM_ENDPOINT: armUrl,
            FUNCTIONS_HTTP_PORT: String(port ?? options.port),
            // Event Grid outlives the host: blobs committed while it is down still raise their events
            LOCAL_BLOB_EVENTS_STATE_FILE: state.blobEvents,
          },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      log: (line) => console.error(line),
      onGiveUp: () => void stopAll(1),
    });
    const { url, pid } = await supervisor.start();
    const key = settings.keys.functionDefault ?? '';
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`
Running on 127.0.0.1:
  Functions host   ${url}  (function key: ${key})
  host process     pid ${pid}  (restarted if it dies: try kill -9 ${pid})
  dashboard        ${url}/api/dashboard?code=${key}
  Azurite          blob ${azurite.blobPort}, queue ${azurite.queuePort}, table ${azurite.tablePort} (container "backups" raises BlobCreated)
${estate.instances.map((r) => `  ${r.instance.config.name.padEnd(16)} ${r.host}:${r.port}  (${r.instance.config.kind === 'managedInstance' ? 'managed instance' : `SQL Server ${r.instance.config.majorVersion}`}; login autopilot)`).join('\n')}
  link             Link_Sales: Sales on sql-onprem -> mi-prod
  ARM endpoint     ${arm.url}  (CA: ${shown(armCa)})
  emulator admin   ${estate.adminUrl}
  state            ${shown(state.dir)}  (kept across runs; npm start -- --fresh starts clean)

mi-autopilot ready (${seconds} s)

Things to try:
  1. take a backup of Sales into the watched container; it is restored on sql-dev as Sales_dev:
       npm run demo:backup
     or a full + log chain, restored on mi-prod as Sales_copy through the Log Replay Service:
       npm run demo:backup -- --chain-to-mi
  2. break the link (no log flows to mi-prod; lag grows), then heal it:
       curl -X POST ${arm.url}/admin/links/mi-prod/Link_Sales -H 'content-type: application/json' -d '{"partitioned": true}' -k
       curl -X POST ${arm.url}/admin/links/mi-prod/Link_Sales -H 'content-type: application/json' -d '{"partitioned": false}' -k
  3. ask the API what is going on:
       curl "${url}/api/operations?code=${key}"
  4. kill the Functions host in the middle of a restore (kill -9 ${pid}): it is restarted and the restore goes on

Ctrl-C stops everything.`);
  } catch (err) {
    console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
    if (/EADDRINUSE/.test(String(err))) console.error('a port is in use: is another `npm start` running? Ports can be changed, see `npm start -- --help`.');
    await stopAll(1);
  }
}

if (require.main === module) void main();
