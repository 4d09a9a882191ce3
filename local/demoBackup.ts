// `npm run demo:backup`: what a DBA's backup job does: BACKUP DATABASE Sales on sql-onprem TO URL
// into the watched container, striped in two, named the way the sample rule expects. The blobs'
// commit raises BlobCreated, and the app restores them on sql-dev as Sales_dev.
// `npm run demo:backup -- --chain-to-mi`: a full and a log backup under to-mi/, which the sample's
// other rule restores on the managed instance mi-prod as Sales_copy, through the Log Replay Service.
// `npm run demo:backup -- --damaged`: the same backup, with one page of a stripe damaged on its way
// (bit rot in storage): the restore fails on its checksum and Sales_dev stays as it was.
// Against an `npm start -- --free-ports` (or other ports): `-- --sql-port <sql-onprem's port>
// --blob-port <Azurite blob port> --host-url <Functions host URL>` (or SQL_ONPREM_PORT,
// AZURITE_BLOB_PORT, FUNCTIONS_HOST_URL), as the start banner prints them.
import path from 'node:path';
import sql from 'mssql';
import { BlobServiceClient } from '@azure/storage-blob';
import { damageBackup } from '../emulator/backup/format';
import { loadEstateFile } from '../emulator/engine/estate';
import { AZURITE_ACCOUNT, azuriteAccountSas } from './azurite';

/** `--name value` from the command line, else the environment variable */
function option(name: string, env: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : process.env[env];
}

async function main(): Promise<void> {
  const appRoot = path.resolve(__dirname, '..', '..');
  const hostUrl = (option('--host-url', 'FUNCTIONS_HOST_URL') ?? 'http://127.0.0.1:7071').replace(/\/+$/, '');
  const estate = loadEstateFile(path.join(appRoot, 'emulator', 'estate.sample.json'));
  const source = estate.instances.find((i) => i.name === 'sql-onprem');
  const login = source?.logins.find((l) => l.name === 'autopilot') ?? source?.logins[0];
  if (!source || !login) throw new Error('emulator/estate.sample.json has no sql-onprem instance');
  const blobPort = Number(option('--blob-port', 'AZURITE_BLOB_PORT') ?? 10000);
  const container = `http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}/backups`;
  const sas = azuriteAccountSas('rwl');
  const pool = await new sql.ConnectionPool({
    server: '127.0.0.1',
    port: Number(option('--sql-port', 'SQL_ONPREM_PORT') ?? source.port ?? 14331),
    user: login.name,
    password: login.password,
    database: 'master',
    options: { encrypt: true, trustServerCertificate: true },
    requestTimeout: 0,
  }).connect();
  try {
    // down to the millisecond: two demos in the same minute (or second) never overwrite each other
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '_').replace('.', '_').slice(0, 19);
    const urls = [1, 2].map((n) => `${container}/sql-onprem/Sales/FULL/Sales_${stamp}_${n}of2.bak`);
    const staging = `http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}/demo-staging`;
    for (const c of [container, staging]) {
      await pool.request().batch(
        `IF EXISTS (SELECT 1 FROM sys.credentials WHERE name = N'${c}') DROP CREDENTIAL [${c}];\n` +
          `CREATE CREDENTIAL [${c}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas}';`,
      );
    }
    if (process.argv.includes('--chain-to-mi')) {
      await chainToManagedInstance(pool, { watched: container, staging, blobPort }, stamp, hostUrl);
      return;
    }
    if (process.argv.includes('--damaged')) {
      await damaged(pool, { staging, blobPort }, stamp, hostUrl);
      return;
    }
    const request = pool.request();
    request.on('info', (m: { message: string }) => console.log(`  sql-onprem: ${m.message}`));
    console.log(`BACKUP DATABASE [Sales] TO ${urls.map((u) => `URL = '${u}'`).join(', ')} WITH FORMAT, COMPRESSION, CHECKSUM, STATS = 25`);
    await request.batch(`BACKUP DATABASE [Sales] TO ${urls.map((u) => `URL = N'${u}'`).join(', ')} WITH FORMAT, COMPRESSION, CHECKSUM, STATS = 25`);
    console.log('\nThe two stripes are committed: the app restores them on sql-dev as Sales_dev. Watch the dashboard, or:');
    console.log(`  curl "${hostUrl}/api/operations?kind=restore&code=local-only-function-key"`);
  } finally {
    await pool.close();
  }
}

/**
 * A full backup, then (once the workload has moved the log on) a log backup, taken into a staging
 * container and then copied under to-mi/ one right after the other, as a backup job that ships a
 * finished chain does: when the full's restore looks, the log is there too, and the full steps aside
 * for the log's restore of the whole chain (restored once, through the Log Replay Service).
 */
async function chainToManagedInstance(pool: sql.ConnectionPool, where: { watched: string; staging: string; blobPort: number }, stamp: string, hostUrl: string): Promise<void> {
  const names = { full: `to-mi/sql-onprem/Sales/FULL/Sales_${stamp}_0_1of1.bak`, log: `to-mi/sql-onprem/Sales/LOG/Sales_${stamp}_1_1of1.bak` };
  const blobs = new BlobServiceClient(`http://127.0.0.1:${where.blobPort}/${AZURITE_ACCOUNT}?${azuriteAccountSas('rwdlac')}`);
  const staging = blobs.getContainerClient('demo-staging');
  await staging.createIfNotExists();
  console.log(`BACKUP DATABASE [Sales] TO URL = '${where.staging}/${names.full}' WITH FORMAT, CHECKSUM`);
  await pool.request().batch(`BACKUP DATABASE [Sales] TO URL = N'${where.staging}/${names.full}' WITH FORMAT, CHECKSUM`);
  await new Promise((r) => setTimeout(r, 1500));
  console.log(`BACKUP LOG [Sales] TO URL = '${where.staging}/${names.log}' WITH FORMAT, CHECKSUM`);
  await pool.request().batch(`BACKUP LOG [Sales] TO URL = N'${where.staging}/${names.log}' WITH FORMAT, CHECKSUM`);
  const watched = blobs.getContainerClient(where.watched.split('/').pop() ?? 'backups');
  for (const name of [names.full, names.log]) {
    const body = await staging.getBlobClient(name).downloadToBuffer();
    await watched.getBlockBlobClient(name).uploadData(body);
    await staging.deleteBlob(name);
    console.log(`copied into the watched container: ${name}`);
  }
  console.log('\nThe chain is committed: the app stages it for the Log Replay Service and restores it once on mi-prod as Sales_copy (the full\'s own operation steps aside for the log\'s). Watch the dashboard, or:');
  console.log(`  curl "${hostUrl}/api/operations?kind=restore&code=local-only-function-key"`);
}


/**
 * A two-stripe backup taken into a staging container, its second stripe damaged in one page on the
 * way (as bit rot in storage would), then both committed into the watched container: the restore
 * verifies the pages as it reads them (WITH CHECKSUM) and fails on the damaged one.
 */
async function damaged(pool: sql.ConnectionPool, where: { staging: string; blobPort: number }, stamp: string, hostUrl: string): Promise<void> {
  const blobs = new BlobServiceClient(`http://127.0.0.1:${where.blobPort}/${AZURITE_ACCOUNT}?${azuriteAccountSas('rwdlac')}`);
  const staging = blobs.getContainerClient('demo-staging');
  await staging.createIfNotExists();
  const names = [1, 2].map((n) => `sql-onprem/Sales/FULL/Sales_${stamp}_${n}of2.bak`);
  console.log(`BACKUP DATABASE [Sales] TO ${names.map((n) => `URL = '${where.staging}/${n}'`).join(', ')} WITH FORMAT, COMPRESSION, CHECKSUM`);
  await pool.request().batch(`BACKUP DATABASE [Sales] TO ${names.map((n) => `URL = N'${where.staging}/${n}'`).join(', ')} WITH FORMAT, COMPRESSION, CHECKSUM`);
  for (const [i, name] of names.entries()) {
    let body = await staging.getBlobClient(name).downloadToBuffer();
    if (i === 1) {
      body = damageBackup(body, 50);
      console.log(`damaged one page in the middle of ${name}`);
    }
    await blobs.getContainerClient('backups').getBlockBlobClient(name).uploadData(body);
  }
  console.log('\nBoth stripes are committed: the restore on sql-dev fails BACKUP_DAMAGED (SQL Server error 3183), the copy it was restoring is dropped, and an existing Sales_dev is untouched:');
  console.log(`  curl "${hostUrl}/api/operations?kind=restore&code=local-only-function-key"`);
}

main().catch((err: unknown) => {
  console.error(`demo backup failed: ${err instanceof Error ? err.message : String(err)} (is \`npm start\` running?)`);
  process.exitCode = 1;
});
