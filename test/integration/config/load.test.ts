// The estate loaded from a blob in Azurite: cached by ETag, re-read on change, a bad new version
// reported while the last good one keeps working.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobEstateSource, estateSourceFromSettings, FileEstateSource } from '../../../shared/config/load';
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
