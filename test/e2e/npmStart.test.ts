// The newcomer's path, end to end: the real `npm start` (as a child process, on free ports), a
// backup uploaded to Azurite with @azure/storage-blob, the restore seen through the API and on the
// dashboard in headless Chromium, the restored database online on sql-dev, and a clean stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sql from 'mssql';
import { chromium, type Browser } from 'playwright-core';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../helpers/azurite';

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'Local-Only-Sample-Password-1';

interface Started {
  child: ChildProcess;
  output: () => string;
  hostUrl: string;
  key: string;
  blobPort: number;
  ports: Record<string, number>;
  readySeconds: number;
}

async function startApp(): Promise<Started> {
  const child = spawn('npm', ['start', '--', '--free-ports', '--estate', 'test/fixtures/e2e/estate.json'], {
    cwd: ROOT,
    detached: true, // its own process group, so the test can stop npm and everything under it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/mi-autopilot ready/.test(out)) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null || Date.now() - started > 180_000) {
        clearInterval(timer);
        reject(new Error(`npm start did not become ready:\n${out}`));
      }
    }, 100);
  });
  const host = /Functions host\s+(http:\/\/127\.0\.0\.1:\d+)\s+\(function key: ([^)]+)\)/.exec(out);
  const blob = /Azurite\s+blob (\d+)/.exec(out);
  const ports = Object.fromEntries([...out.matchAll(/^\s+(sql-onprem|mi-prod|sql-dev)\s+127\.0\.0\.1:(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  const ready = /mi-autopilot ready \(([\d.]+) s\)/.exec(out);
  if (!host || !blob) throw new Error(`could not read the addresses from npm start's output:\n${out}`);
  return { child, output: () => out, hostUrl: host[1], key: host[2], blobPort: Number(blob[1]), ports, readySeconds: Number(ready?.[1]) };
}

async function stopApp(app: Started): Promise<void> {
  if (app.child.exitCode !== null) return;
  const exited = new Promise((r) => app.child.once('exit', r));
  try {
    process.kill(-(app.child.pid ?? 0), 'SIGINT');
  } catch {
    return;
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
}

function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

let app: Started;
let browser: Browser | undefined;

beforeAll(async () => {
  app = await startApp();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (app) await stopApp(app);
}, 60_000);

test('an uploaded backup is restored on sql-dev, visible through the API and the dashboard; Ctrl-C stops everything', async () => {
  const api = async (route: string): Promise<Record<string, unknown>> => {
    const r = await fetch(`${app.hostUrl}/api/${route}${route.includes('?') ? '&' : '?'}code=${encodeURIComponent(app.key)}`);
    expect(r.status).toBe(200);
    return (await r.json()) as Record<string, unknown>;
  };
  expect(await fetch(`${app.hostUrl}/api/operations`).then((r) => r.status)).toBe(401); // a key is needed

  // A backup file as a DBA's job would produce it: BACKUP TO URL on sql-onprem into a staging
  // container, then uploaded into the watched container with @azure/storage-blob.
  const blobs = BlobServiceClient.fromConnectionString(
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:${app.blobPort}/${AZURITE_ACCOUNT};`,
  );
  await blobs.getContainerClient('staging').createIfNotExists();
  const staging = `http://127.0.0.1:${app.blobPort}/${AZURITE_ACCOUNT}/staging`;
  const sas = generateAccountSASQueryParameters(
    { permissions: AccountSASPermissions.parse('rwl'), services: AccountSASServices.parse('b').toString(), resourceTypes: AccountSASResourceTypes.parse('co').toString(), protocol: SASProtocol.HttpsAndHttp, expiresOn: new Date(Date.now() + 3600_000) },
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  ).toString();
  const connect = (port: number) =>
    new sql.ConnectionPool({ server: '127.0.0.1', port, user: 'autopilot', password: PASSWORD, database: 'master', options: { encrypt: true, trustServerCertificate: true }, requestTimeout: 0 }).connect();
  const source = await connect(app.ports['sql-onprem']);
  const name = 'sql-onprem/Sales/FULL/Sales_20261122_0200_1of1.bak';
  await source.request().batch(`CREATE CREDENTIAL [${staging}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas}'`);
  await source.request().batch(`BACKUP DATABASE [Sales] TO URL = N'${staging}/${name}' WITH FORMAT, CHECKSUM`);
  await source.close();
  const body = await blobs.getContainerClient('staging').getBlobClient(name).downloadToBuffer();
  await blobs.getContainerClient('backups').getBlockBlobClient(name).uploadData(body);

  // The blob watcher raises BlobCreated; the restore starts.
  type Op = { id: string; state: string; progress?: { percent: number }; output?: { database?: string; skipped?: boolean }; error?: unknown };
  const restore = async (): Promise<Op | undefined> => ((await api('operations?kind=restore')).operations as Op[]).find((o) => !o.output?.skipped);
  const deadline = Date.now() + 90_000;
  let op = await restore();
  while (!op && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    op = await restore();
  }
  expect(op).toBeDefined();

  // The dashboard shows it while it runs.
  expect(existsSync(CHROMIUM)).toBe(true);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
  await page.goto(`${app.hostUrl}/api/dashboard?code=${encodeURIComponent(app.key)}`);
  await page.waitForSelector(`tr.op[data-id="${op?.id}"] td.progress .bar`, { timeout: 60_000 });
  const shown = await page.textContent(`tr.op[data-id="${op?.id}"] td.progress`);
  expect(shown).toMatch(/\d+%/);
  const screenshot = path.join(mkdtempSync(path.join(os.tmpdir(), 'dashboard-')), 'dashboard.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  expect(statSync(screenshot).size).toBeGreaterThan(10_000);

  // Through the API until it is done, then the database is online on sql-dev.
  while (op && !['succeeded', 'failed', 'cancelled'].includes(op.state) && Date.now() < deadline + 60_000) {
    await new Promise((r) => setTimeout(r, 500));
    op = await restore();
  }
  expect(op?.error).toBeUndefined();
  expect(op?.state).toBe('succeeded');
  expect(op?.output?.database).toBe('Sales_dev');
  const detail = await api(`operations/${op?.id}`);
  expect((detail.audit as unknown[]).length).toBeGreaterThan(5);
  const target = await connect(app.ports['sql-dev']);
  const online = await target.request().query("SELECT state_desc FROM sys.databases WHERE name = 'Sales_dev'");
  await target.close();
  expect(online.recordset[0]?.state_desc).toBe('ONLINE');
  await page.reload();
  await page.waitForSelector(`tr.op[data-id="${op?.id}"] td.state.succeeded`);

  // Ctrl-C stops everything it started.
  await browser.close();
  browser = undefined;
  await stopApp(app);
  // npm itself may end by the signal; what matters is that everything under it stopped
  expect(app.child.exitCode === 0 || app.child.signalCode === 'SIGINT').toBe(true);
  expect(app.output()).toMatch(/stopping…/);
  for (const port of [new URL(app.hostUrl).port, app.blobPort, ...Object.values(app.ports)]) expect(await portClosed(Number(port))).toBe(true);
  console.log(`npm start was ready ${app.readySeconds} s after the build; dashboard screenshot: ${screenshot}`);
}, 300_000);
