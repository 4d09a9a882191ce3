import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BackupContainerConfig } from '../../../shared/config/schema';
import { blobEventKey, checkBlobCreatedEvent } from '../../../shared/events/blobCreated';
import { matchRule } from '../../../shared/restore/ruleMatch';
import { validateEstate } from '../../../shared/config/validate';

const samples = path.join(__dirname, '../../fixtures/reference/events');
const sample = (): Record<string, unknown> & { data: Record<string, unknown> } =>
  JSON.parse(readFileSync(path.join(samples, 'eventgrid-schema_blobcreated_putblocklist.json'), 'utf8'))[0];

const containers: BackupContainerConfig[] = [
  {
    name: 'test',
    url: 'https://my-storage-account.blob.core.windows.net/testcontainer',
    storageAccountResourceId: '/subscriptions/{subscription-id}/resourceGroups/Storage/providers/Microsoft.Storage/storageAccounts/my-storage-account',
    auth: { type: 'managedIdentity' },
    logReplayContainer: 'mi-autopilot-lrs',
  },
];

test('the published Event Grid sample is accepted with its identity', () => {
  const verdict = checkBlobCreatedEvent(sample(), containers);
  expect(verdict).toMatchObject({ accepted: true, blob: { blobPath: 'new-file.txt', container: { name: 'test' }, api: 'PutBlockList', contentLength: 524288 } });
  if (verdict.accepted) {
    expect(blobEventKey(verdict.blob)).toBe('https://my-storage-account.blob.core.windows.net/testcontainer/new-file.txt|"0x8D4BCC2E4835CD0"|00000000000004420000000000028963');
  }
});

test('the same event as a CloudEvent is accepted too', () => {
  const eg = sample();
  const cloud = { specversion: '1.0', id: eg.id, source: eg.topic, type: eg.eventType, subject: eg.subject, time: eg.eventTime, data: eg.data };
  expect(checkBlobCreatedEvent(cloud, containers)).toMatchObject({ accepted: true });
});

test.each([
  ['wrong-event-type', (e: ReturnType<typeof sample>) => (e.eventType = 'Microsoft.Storage.BlobDeleted')],
  ['not-committed', (e: ReturnType<typeof sample>) => (e.data.api = 'PutBlock')],
  ['not-committed', (e: ReturnType<typeof sample>) => (e.data.api = 'CreateFile')],
  ['not-block-blob', (e: ReturnType<typeof sample>) => (e.data.blobType = 'PageBlob')],
  ['empty-blob', (e: ReturnType<typeof sample>) => (e.data.contentLength = 0)],
  ['unknown-container', (e: ReturnType<typeof sample>) => (e.data.url = 'https://my-storage-account.blob.core.windows.net/other/x.bak')],
  ['app-backup', (e: ReturnType<typeof sample>) => (e.data.url = 'https://my-storage-account.blob.core.windows.net/testcontainer/mi-autopilot/refresh/nightly/Sales_20261206T020000Z_1of1.bak')],
  ['wrong-storage-account', (e: ReturnType<typeof sample>) => (e.topic = '/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/evil')],
  ['malformed', (e: ReturnType<typeof sample>) => delete e.data.sequencer],
])('ignored with reason %s', (reason, mutate) => {
  const event = sample();
  mutate(event);
  const verdict = checkBlobCreatedEvent(event, containers);
  expect(verdict).toMatchObject({ accepted: false, reason });
  if (!verdict.accepted) expect(verdict.message.length).toBeGreaterThan(10);
});

test('blob paths are URL-decoded and matched to a rule, with the target name from the template', () => {
  const estate = validateEstate(JSON.parse(readFileSync(path.join(__dirname, '../../../estate.sample.json'), 'utf8')));
  const verdict = matchRule(estate.restoreRules, 'backups', 'sql-onprem/Sales/FULL/Sales_20261122_0200_2of4.bak');
  expect(verdict).toMatchObject({ matched: true, match: { targetDatabase: 'Sales_dev', captures: { stripe: '2', stripes: '4', type: 'FULL' } } });
  expect(matchRule(estate.restoreRules, 'backups', 'elsewhere/x.bak')).toMatchObject({ matched: false, reason: 'no-rule' });
  // a hostile name stays a name: it is quoted later, never spliced into T-SQL
  const hostile = "x']; DROP DATABASE [y";
  const m = matchRule(estate.restoreRules, 'backups', `sql-onprem/${hostile}/FULL/${hostile}_20261122_1of1.bak`);
  expect(m).toMatchObject({ matched: true, match: { targetDatabase: `${hostile}_dev` } });
  expect(matchRule(estate.restoreRules, 'backups', 'sql-onprem/master/FULL/master_20261122_1of1.bak')).toMatchObject({ matched: true });
  const tabbed = matchRule(estate.restoreRules, 'backups', 'sql-onprem/a\tb/FULL/a\tb_20261122_1of1.bak');
  expect(tabbed).toMatchObject({ matched: false, reason: 'bad-target-name', message: expect.stringContaining('control characters') });
});
