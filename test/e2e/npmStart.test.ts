// The newcomer's path, end to end: the real `npm start` (as a child process, on free ports), a
// backup uploaded to Azurite with @azure/storage-blob, the restore seen through the API and on the
// dashboard in headless Chromium, the restored database online on sql-dev, and a clean stop.
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sql from 'mssql';
import { chromium, type Browser } from 'playwright-core';
import { BlobServiceClient } from '@azure/storage-blob';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteAccountSas } from '../helpers/azurite';
import { portClosed, startApp, stopApp, waitForOutput, type Started } from './npmStartProcess';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'Local-Only-Sample-Password-1';

let app: Started;
let browser: Browser | undefined;

beforeAll(async () => {
  app = await startApp('npm');
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
  const sas = azuriteAccountSas('rwl');
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

  // A full + log chain under to-mi/ goes to the managed instance through the Log Replay Service.
  const chainSource = await connect(app.ports['sql-onprem']);
  const chain = ['sql-onprem/Sales/FULL/Sales_20261205_0400_1of1.bak', 'sql-onprem/Sales/LOG/Sales_20261205_0401_1of1.bak'];
  await chainSource.request().batch(`BACKUP DATABASE [Sales] TO URL = N'${staging}/${chain[0]}' WITH FORMAT, CHECKSUM`);
  await new Promise((r) => setTimeout(r, 1000)); // the workload moves the log on
  await chainSource.request().batch(`BACKUP LOG [Sales] TO URL = N'${staging}/${chain[1]}' WITH FORMAT, CHECKSUM`);
  await chainSource.close();
  for (const file of chain) {
    const body = await blobs.getContainerClient('staging').getBlobClient(file).downloadToBuffer();
    await blobs.getContainerClient('backups').getBlockBlobClient(`to-mi/${file}`).uploadData(body);
  }
  const toMi = async (): Promise<Op | undefined> => ((await api('operations?kind=restore&target=mi-prod/sales_copy')).operations as Op[]).find((o) => !o.output?.skipped && ['succeeded', 'failed', 'cancelled'].includes(o.state));
  let miOp = await toMi();
  for (const until = Date.now() + 90_000; !miOp && Date.now() < until; miOp = await toMi()) await new Promise((r) => setTimeout(r, 500));
  expect(miOp?.error).toBeUndefined();
  expect(miOp?.output).toMatchObject({ instance: 'mi-prod', database: 'Sales_copy', files: [{ kind: 'full' }, { kind: 'log' }] });
  const mi = await connect(app.ports['mi-prod']);
  const history = await mi.request().query("SELECT restore_type FROM msdb.dbo.restorehistory WHERE destination_database_name = 'Sales_copy' ORDER BY restore_history_id");
  const miOnline = await mi.request().query("SELECT state_desc FROM sys.databases WHERE name = 'Sales_copy'");
  await mi.close();
  expect(history.recordset.map((r: { restore_type: string }) => r.restore_type)).toEqual(['D', 'L']);
  expect(miOnline.recordset[0]?.state_desc).toBe('ONLINE');

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

describe('the Event Grid webhook of the real app', () => {
  let hooked: Started;
  const MASTER = 'e2e-only-master-key';

  beforeAll(async () => {
    // the blob watcher looks at another container, so only the webhook delivers events
    hooked = await startApp('node', { LOCAL_BLOB_EVENTS: 'not-watched=>backupUploaded', FUNCTIONS_MASTER_KEY: MASTER });
  }, 240_000);

  afterAll(async () => {
    if (hooked) await stopApp(hooked);
  }, 60_000);

  test('answers the validation handshake and starts the restore a real upload starts from the published BlobCreated sample', async () => {
    const webhook = `${hooked.hostUrl}/runtime/webhooks/eventgrid?functionName=backupUploaded&code=${MASTER}`;
    const samples = path.join(__dirname, '..', 'fixtures', 'reference', 'events');
    const validation = readFileSync(path.join(samples, 'eventgrid-schema_subscriptionvalidationevent.json'), 'utf8');
    const answer = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' }, body: validation });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual(JSON.parse(readFileSync(path.join(samples, 'eventgrid-schema_subscriptionvalidationevent_expected-response.json'), 'utf8')));

    // a backup blob in the container, uploaded without any event
    const blobs = BlobServiceClient.fromConnectionString(
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:${hooked.blobPort}/${AZURITE_ACCOUNT};`,
    );
    await blobs.getContainerClient('staging').createIfNotExists();
    const staging = `http://127.0.0.1:${hooked.blobPort}/${AZURITE_ACCOUNT}/staging`;
    const sas = azuriteAccountSas('rwl');
    const source = await new sql.ConnectionPool({ server: '127.0.0.1', port: hooked.ports['sql-onprem'], user: 'autopilot', password: PASSWORD, database: 'master', options: { encrypt: true, trustServerCertificate: true }, requestTimeout: 0 }).connect();
    const name = 'sql-onprem/Sales/FULL/Sales_20261122_0300_1of1.bak';
    await source.request().batch(`CREATE CREDENTIAL [${staging}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas}'`);
    await source.request().batch(`BACKUP DATABASE [Sales] TO URL = N'${staging}/${name}' WITH FORMAT`);
    await source.close();
    const body = await blobs.getContainerClient('staging').getBlobClient(name).downloadToBuffer();
    const uploaded = await blobs.getContainerClient('backups').getBlockBlobClient(name).uploadData(body);

    // the published sample, pointed at that blob
    const [sample] = JSON.parse(readFileSync(path.join(samples, 'eventgrid-schema_blobcreated_putblocklist.json'), 'utf8')) as Record<string, unknown>[];
    const url = `http://127.0.0.1:${hooked.blobPort}/${AZURITE_ACCOUNT}/backups/${name}`;
    const event = { ...sample, subject: `/blobServices/default/containers/backups/blobs/${name}`, data: { ...(sample.data as object), url, eTag: uploaded.etag, contentLength: body.length, contentType: 'application/octet-stream' } };
    const delivered = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' }, body: JSON.stringify([event]) });
    expect(delivered.status).toBeLessThan(300);

    type Op = { id: string; state: string; output?: { database?: string }; error?: unknown };
    let op: Op | undefined;
    const deadline = Date.now() + 120_000;
    while ((!op || !['succeeded', 'failed'].includes(op.state)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const list = (await (await fetch(`${hooked.hostUrl}/api/operations?kind=restore&code=${encodeURIComponent(hooked.key)}`)).json()) as { operations: Op[] };
      op = list.operations[0];
    }
    expect(op?.error).toBeUndefined();
    expect(op?.state).toBe('succeeded');
    expect(op?.output?.database).toBe('Sales_dev');
  }, 300_000);
});

describe('a Functions host killed in the middle of a restore, and the state kept across runs', () => {
  // the local lease settings of local.settings.sample.json, whatever an older local.settings.json says
  const LOCAL_LEASE = { AzureFunctionsJobHost__functionTimeout: '00:00:50', OPS_LEASE_SECONDS: '40', OPS_LEASE_GRACE_SECONDS: '15' };
  const TERMINAL = ['succeeded', 'failed', 'cancelled'];
  type Op = { id: string; state: string; step: string; output?: { database?: string; skipped?: boolean }; error?: unknown };
  type Audit = { at: string; actor: string; reason?: string; fromState?: string; toState: string; fromStep?: string; toStep: string };
  let stateDir: string;
  let running: Started | undefined;

  const api = async <T>(app: Started, route: string): Promise<T> => {
    const r = await fetch(`${app.hostUrl}/api/${route}${route.includes('?') ? '&' : '?'}code=${encodeURIComponent(app.key)}`);
    if (r.status !== 200) throw new Error(`GET /api/${route}: ${r.status}`);
    return (await r.json()) as T;
  };
  const restores = async (app: Started): Promise<Op[]> => (await api<{ operations: Op[] }>(app, 'operations?kind=restore')).operations.filter((o) => !o.output?.skipped);
  /** polls (with a deadline) until `probe` gives a value */
  const until = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined); // the host may be down for a moment
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  const connect = (port: number) =>
    new sql.ConnectionPool({ server: '127.0.0.1', port, user: 'autopilot', password: PASSWORD, database: 'master', options: { encrypt: true, trustServerCertificate: true }, requestTimeout: 0 }).connect();
  const stateOf = async (app: Started, database: string): Promise<string | undefined> => {
    const pool = await connect(app.ports['sql-dev']);
    try {
      return (await pool.request().input('name', sql.NVarChar, database).query('SELECT state_desc FROM sys.databases WHERE name = @name')).recordset[0]?.state_desc as string | undefined;
    } finally {
      await pool.close();
    }
  };
  const stop = async (app: Started): Promise<void> => {
    await stopApp(app);
    for (const port of [new URL(app.hostUrl).port, app.blobPort, ...Object.values(app.ports)]) expect(await portClosed(Number(port))).toBe(true);
  };

  beforeAll(() => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'mi-autopilot-state-'));
  });

  afterAll(async () => {
    if (running) await stopApp(running);
  }, 60_000);

  test('npm start restarts the killed host and the restore resumes and succeeds; the audit trail shows it', async () => {
    const app = (running = await startApp('node', LOCAL_LEASE, ['--fresh', '--state-dir', stateDir]));
    // a backup of Sales (about 490 MB) into the watched container: its restore on sql-dev, at 25 MB/s, takes about 20 s
    const blobs = BlobServiceClient.fromConnectionString(
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:${app.blobPort}/${AZURITE_ACCOUNT};`,
    );
    await blobs.getContainerClient('staging').createIfNotExists();
    const staging = `http://127.0.0.1:${app.blobPort}/${AZURITE_ACCOUNT}/staging`;
    const source = await connect(app.ports['sql-onprem']);
    const name = 'sql-onprem/Sales/FULL/Sales_20261201_0200_1of1.bak';
    await source.request().batch(`CREATE CREDENTIAL [${staging}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${azuriteAccountSas('rwl')}'`);
    await source.request().batch(`BACKUP DATABASE [Sales] TO URL = N'${staging}/${name}' WITH FORMAT, CHECKSUM`);
    await source.close();
    await blobs.getContainerClient('backups').getBlockBlobClient(name).uploadData(await blobs.getContainerClient('staging').getBlobClient(name).downloadToBuffer());

    // in its RESTORE step: the SQL Agent job runs on sql-dev and the operation polls it
    const during = await until('the restore to wait on its RESTORE', async () => (await restores(app)).find((o) => o.step === 'watch' && o.state === 'waiting'), 90_000, 100);
    const killedAt = Date.now();
    process.kill(app.hostPid, 'SIGKILL');
    await waitForOutput(app, /the Functions host exited \(code 137\); restarting it in 1 s \(restart 1\)…/, 10_000);
    const back = await waitForOutput(app, /the Functions host is back \(pid (\d+), ([\d.]+) s after it exited\)/, 30_000);
    expect(Number(back[1])).not.toBe(app.hostPid);

    // the operation goes on: within the lease and its grace (55 s) plus the queue's retry visibility at worst
    const done = await until('the restore to end', async () => {
      const op = (await restores(app)).find((o) => o.id === during.id);
      return op && TERMINAL.includes(op.state) ? op : undefined;
    }, 120_000);
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('succeeded');
    expect(done.output?.database).toBe('Sales_dev');
    expect(await stateOf(app, 'Sales_dev')).toBe('ONLINE');

    // the audit trail: work on it went on after the kill, from the RESTORE step it was in, to the end
    const { audit } = await api<{ audit: Audit[] }>(app, `operations/${done.id}`);
    const after = audit.filter((a) => Date.parse(a.at) > killedAt);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0].fromStep).toBe('watch');
    // resumed from waiting by the restarted host, or (killed mid-step) taken over once the dead worker's lease ran out
    expect(after[0].reason === 'resumed' || after[0].fromState === 'running').toBe(true);
    expect(after[after.length - 1]).toMatchObject({ toState: 'succeeded' });
    console.log(`host killed in the RESTORE step: back ${back[2]} s later; the operation moved again ${((Date.parse(after[0].at) - killedAt) / 1000).toFixed(1)} s after the kill (${after[0].reason ?? ''}) and succeeded ${((Date.parse(after[after.length - 1].at) - killedAt) / 1000).toFixed(1)} s after it`);
  }, 240_000);

  test('a second npm start on the same state shows the finished restore and its database; with --fresh, nothing', async () => {
    expect(running).toBeDefined();
    const first = running as Started;
    const [op] = await restores(first);
    await stop(first);
    running = undefined;

    const again = (running = await startApp('node', LOCAL_LEASE, ['--state-dir', stateDir]));
    expect(again.output()).toMatch(/emulator state: restored sql-onprem, mi-prod, sql-dev from .*emulated-estate\.json/);
    const listed = await restores(again);
    expect(listed.map((o) => [o.id, o.state])).toEqual([[op.id, 'succeeded']]);
    expect(await stateOf(again, 'Sales_dev')).toBe('ONLINE');
    await stop(again);
    running = undefined;

    const fresh = (running = await startApp('node', LOCAL_LEASE, ['--state-dir', stateDir, '--fresh']));
    expect(fresh.output()).toMatch(/--fresh: removed the state kept in /);
    expect(await restores(fresh)).toEqual([]);
    expect(await stateOf(fresh, 'Sales_dev')).toBeUndefined();
    await stop(fresh);
    running = undefined;
  }, 180_000);
});
