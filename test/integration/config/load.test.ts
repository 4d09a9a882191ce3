// The estate loaded from a blob in Azurite: cached by ETag, re-read on change, a bad new version
// reported while the last good one keeps working; files read beside the estate (sanitizing scripts).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobEstateSource, estateSourceFromSettings, FileEstateSource, MAX_BESIDE_BYTES } from '../../../shared/config/load';
import { EstateValidationError } from '../../../shared/config/validate';
import { StorageClients } from '../../../shared/storage/clients';
import { storageFromConnectionString } from '../../../shared/storage/connection';
import { startAzurite, AzuriteInstance } from '../../helpers/azurite';

let azurite: AzuriteInstance;
const sampleText = readFileSync(path.join(__dirname, '../../../estate.sample.json'), 'utf8');

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

test('a blob estate is downloaded once per ETag and re-read when it changes', async () => {
  const storage = new StorageClients(storageFromConnectionString(azurite.connectionString));
  const container = storage.container('config');
  await container.createIfNotExists();
  const blob = container.getBlockBlobClient('estate.json');
  await blob.upload(sampleText, Buffer.byteLength(sampleText));

  const source = new BlobEstateSource(blob);
  expect((await source.load()).instances).toHaveLength(3);
  await source.load();
  await source.load();
  expect(source.downloads).toBe(1);

  const changed = JSON.parse(sampleText);
  changed.instances[2].name = 'sql-qa';
  changed.restoreRules[0].target.instance = 'sql-qa';
  changed.refreshJobs[0].target.instance = 'sql-qa';
  const text = JSON.stringify(changed);
  await blob.upload(text, Buffer.byteLength(text));
  expect((await source.load()).instances[2].name).toBe('sql-qa');
  expect(source.downloads).toBe(2);

  // A broken upload: reported, and the last good estate stays in force.
  const broken = JSON.stringify({ ...changed, instances: [{ name: 'x', kind: 'db2' }] });
  await blob.upload(broken, Buffer.byteLength(broken));
  expect((await source.load()).instances[2].name).toBe('sql-qa');
  expect(source.lastError).toBeInstanceOf(EstateValidationError);
  expect(source.lastError?.problems.length).toBeGreaterThan(2);
});

test('file and inline sources, and clear errors for a missing or malformed file', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'estate-'));
  const file = path.join(dir, 'estate.json');
  writeFileSync(file, sampleText);
  const blobFor = () => {
    throw new Error('not used');
  };
  expect((await estateSourceFromSettings({ ESTATE_FILE: file }, blobFor).load()).links[0].name).toBe('Link_Sales');
  expect((await estateSourceFromSettings({ ESTATE_JSON: sampleText }, blobFor).load()).refreshJobs).toHaveLength(1);
  await expect(new FileEstateSource(path.join(dir, 'missing.json')).load()).rejects.toThrow(/cannot read the estate file .*missing\.json/);
  writeFileSync(file, '{ "instances": [ }');
  await expect(new FileEstateSource(file).load()).rejects.toThrow(/\$: not valid JSON/);
  expect(() => estateSourceFromSettings({}, blobFor)).toThrow(/no estate configured: set ESTATE_BLOB_URL/);
});

test('a file beside an estate file: read relative to its folder; missing, ".." and too large are refused', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'estate-'));
  const file = path.join(dir, 'estate.json');
  writeFileSync(file, sampleText);
  mkdirSync(path.join(dir, 'sanitize'));
  writeFileSync(path.join(dir, 'sanitize', 'mask.sql'), 'UPDATE dbo.Customers SET Email = NULL');
  const source = new FileEstateSource(file);
  expect(await source.readBeside('sanitize/mask.sql')).toEqual({ text: 'UPDATE dbo.Customers SET Email = NULL', from: `file ${path.join(dir, 'sanitize', 'mask.sql')}` });
  await expect(source.readBeside('sanitize/none.sql')).rejects.toMatchObject({ code: 'ESTATE_FILE_NOT_FOUND', message: `there is no file ${path.join(dir, 'sanitize', 'none.sql')}` });
  await expect(source.readBeside('../estate.json')).rejects.toMatchObject({ code: 'ESTATE_FILE_NOT_FOUND', message: expect.stringMatching(/leaves the estate's folder/) });
  await expect(source.readBeside('sanitize')).rejects.toMatchObject({ message: expect.stringMatching(/is not a file/) });
  writeFileSync(path.join(dir, 'huge.sql'), Buffer.alloc(MAX_BESIDE_BYTES + 1, 0x20));
  await expect(source.readBeside('huge.sql')).rejects.toMatchObject({ message: expect.stringMatching(/a script beside the estate is at most 4 MiB/) });
});

test('a blob beside the estate blob: read from the estate\'s folder in its container, never from elsewhere', async () => {
  const storage = new StorageClients(storageFromConnectionString(azurite.connectionString));
  const container = storage.container('estate');
  await container.createIfNotExists();
  await storage.container('other').createIfNotExists();
  const put = async (c: string, name: string, text: string) => storage.container(c).getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
  await put('estate', 'prod/estate.json', sampleText);
  await put('estate', 'prod/sanitize/mask emails.sql', 'UPDATE dbo.Customers SET Email = NULL');
  await put('other', 'secret.sql', 'SELECT 1');
  const blobFor = (url: string) => {
    const [c, ...name] = new URL(url).pathname.split('/').slice(2);
    return storage.container(c).getBlobClient(name.map(decodeURIComponent).join('/'));
  };
  const source = estateSourceFromSettings({ ESTATE_BLOB_URL: `${azurite.blobEndpoint}/estate/prod/estate.json` }, blobFor);
  expect(await source.readBeside('sanitize/mask emails.sql')).toEqual({ text: 'UPDATE dbo.Customers SET Email = NULL', from: 'blob /devstoreaccount1/estate/prod/sanitize/mask emails.sql' });
  await expect(source.readBeside('sanitize/none.sql')).rejects.toMatchObject({ code: 'ESTATE_FILE_NOT_FOUND', message: expect.stringMatching(/blob .*prod\/sanitize\/none\.sql does not exist/) });
  await expect(source.readBeside('../../other/secret.sql')).rejects.toMatchObject({ code: 'ESTATE_FILE_NOT_FOUND' });
  await expect(source.readBeside('/other/secret.sql')).rejects.toMatchObject({ code: 'ESTATE_FILE_NOT_FOUND' });
});
