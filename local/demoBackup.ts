// `npm run demo:backup`: what a DBA's backup job does: BACKUP DATABASE Sales on sql-onprem TO URL
// into the watched container, striped in two, named the way the sample rule expects. The blobs'
// commit raises BlobCreated, and the app restores them on sql-dev as Sales_dev.
import path from 'node:path';
import sql from 'mssql';
import { loadEstateFile } from '../emulator/engine/estate';
import { AZURITE_ACCOUNT, azuriteAccountSas } from './azurite';

async function main(): Promise<void> {
  const appRoot = path.resolve(__dirname, '..', '..');
  const estate = loadEstateFile(path.join(appRoot, 'emulator', 'estate.sample.json'));
  const source = estate.instances.find((i) => i.name === 'sql-onprem');
  const login = source?.logins.find((l) => l.name === 'autopilot') ?? source?.logins[0];
  if (!source || !login) throw new Error('emulator/estate.sample.json has no sql-onprem instance');
  const blobPort = Number(process.env.AZURITE_BLOB_PORT ?? 10000);
  const container = `http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}/backups`;
  const sas = azuriteAccountSas('rwl');
  const pool = await new sql.ConnectionPool({
    server: '127.0.0.1',
    port: source.port ?? 14331,
    user: login.name,
    password: login.password,
    database: 'master',
    options: { encrypt: true, trustServerCertificate: true },
    requestTimeout: 0,
  }).connect();
  try {
    const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 12);
    const urls = [1, 2].map((n) => `${container}/sql-onprem/Sales/FULL/Sales_${stamp.slice(0, 8)}_${stamp.slice(8)}_${n}of2.bak`);
    await pool.request().batch(
      `IF EXISTS (SELECT 1 FROM sys.credentials WHERE name = N'${container}') DROP CREDENTIAL [${container}];\n` +
        `CREATE CREDENTIAL [${container}] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '${sas}';`,
    );
    const request = pool.request();
    request.on('info', (m: { message: string }) => console.log(`  sql-onprem: ${m.message}`));
    console.log(`BACKUP DATABASE [Sales] TO ${urls.map((u) => `URL = '${u}'`).join(', ')} WITH FORMAT, COMPRESSION, CHECKSUM, STATS = 25`);
    await request.batch(`BACKUP DATABASE [Sales] TO ${urls.map((u) => `URL = N'${u}'`).join(', ')} WITH FORMAT, COMPRESSION, CHECKSUM, STATS = 25`);
    console.log('\nThe two stripes are committed: the app restores them on sql-dev as Sales_dev. Watch the dashboard, or:');
    console.log(`  curl "http://127.0.0.1:7071/api/operations?kind=restore&code=local-only-function-key"`);
  } finally {
    await pool.close();
  }
}

main().catch((err: unknown) => {
  console.error(`demo backup failed: ${err instanceof Error ? err.message : String(err)} (is \`npm start\` running?)`);
  process.exitCode = 1;
});
