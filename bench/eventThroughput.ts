// Events per second through backupUploaded's logic (validation, rule matching, deduplication,
// operation start) against Azurite: non-matching events are checked and dropped; matching ones
// start (or find) a restore operation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateEstate } from '../shared/config/validate';
import { TableEventPublisher } from '../shared/events/outgoing';
import { createOperationEngine } from '../shared/ops/create';
import { definePlaybook } from '../shared/ops/playbook';
import { restoreInputSchema } from '../shared/restore/input';
import { TableBlobClaims } from '../shared/restore/claims';
import { z } from 'zod';
import { restoreFromEvent } from '../shared/restore/start';
import { ensureTable, StorageClients } from '../shared/storage/clients';
import { storageFromConnectionString } from '../shared/storage/connection';
import type { AzuriteInstance } from '../local/azurite';

export interface EventThroughputResult {
  nonMatchingPerSecond: number;
  matchingPerSecond: number;
  duplicatePerSecond: number;
  events: number;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function blobEvent(i: number, pathInContainer: string, container = 'backups'): Record<string, unknown> {
  return {
    topic: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1',
    subject: `/blobServices/default/containers/${container}/blobs/${pathInContainer}`,
    eventType: 'Microsoft.Storage.BlobCreated',
    eventTime: new Date().toISOString(),
    id: `bench-${i}`,
    data: {
      api: 'PutBlockList',
      eTag: `"0x8D${i.toString(16).padStart(13, '0')}"`,
      contentLength: 1048576,
      blobType: 'BlockBlob',
      url: `http://127.0.0.1:10000/devstoreaccount1/${container}/${pathInContainer}`,
      sequencer: i.toString(16).padStart(32, '0'),
    },
  };
}

async function timed(events: Record<string, unknown>[], concurrency: number, handle: (e: Record<string, unknown>) => Promise<unknown>): Promise<number> {
  const start = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events.length) await handle(events[next++]);
    }),
  );
  return Math.round((events.length / (Date.now() - start)) * 1000);
}

export async function benchEventThroughput(azurite: AzuriteInstance, count: number): Promise<EventThroughputResult> {
  const estate = validateEstate(JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'estate.sample.json'), 'utf8')));
  const storage = new StorageClients(storageFromConnectionString(azurite.connectionString));
  const eventsTable = storage.table('benchevents2');
  await ensureTable(eventsTable);
  // The restore playbook's steps are not run here: only what the event function does.
  const restoreKind = definePlaybook({ kind: 'restore', input: restoreInputSchema, state: z.unknown(), firstStep: 'noop', defaultDeadlineMs: 3_600_000, steps: { noop: async () => ({ type: 'succeed' }) } });
  const engine = await createOperationEngine({
    storage,
    playbooks: [restoreKind],
    events: new TableEventPublisher(eventsTable),
    settings: { queueName: 'benchevents', operationsTable: 'benchrestoreops', indexTable: 'benchrestoreindex', locksTable: 'benchrestorelocks', duplicatesTable: 'benchrestoredups' },
    log: silent,
  });
  const nonMatching = Array.from({ length: count }, (_, i) => blobEvent(i, `elsewhere/file${i}.txt`));
  const matching = Array.from({ length: count }, (_, i) => blobEvent(100_000 + i, `sql-onprem/Db${i}/FULL/Db${i}_20261122_0200_1of1.bak`));
  const claimsTable = storage.table('benchclaims');
  await ensureTable(claimsTable);
  const claims = new TableBlobClaims(claimsTable);
  const handle = (e: Record<string, unknown>) => restoreFromEvent(engine, estate, e, claims);
  return {
    events: count,
    nonMatchingPerSecond: await timed(nonMatching, 8, handle),
    matchingPerSecond: await timed(matching, 8, handle),
    duplicatePerSecond: await timed(matching, 8, handle),
  };
}
