// One contract, two adapters: the operation store and the lock store in Azure Tables (against
// Azurite, through the real SDK) and in memory must behave the same, or the engine's unit tests
// (which run on memory) would prove nothing about Azure.
import { randomUUID } from 'node:crypto';
import { operationEvent } from '../../../shared/events/outgoing';
import { TableLockStore, type LockStore } from '../../../shared/ops/locks';
import { MemoryLockStore, MemoryOperationStore } from '../../../shared/ops/memoryStore';
import { ConcurrencyConflict, RecordTooLarge, type OperationStore } from '../../../shared/ops/store';
import { TableOperationStore } from '../../../shared/ops/tableStore';
import type { OperationRecord } from '../../../shared/ops/types';
import { ensureTable, StorageClients } from '../../../shared/storage/clients';
import { storageFromConnectionString } from '../../../shared/storage/connection';
import { startAzurite, type AzuriteInstance } from '../../helpers/azurite';

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite.stop();
});

interface Adapters {
  store: OperationStore;
  locks: LockStore;
  finished: Set<string>;
}

const adapters: Array<[string, () => Promise<Adapters>]> = [
  [
    'memory',
    async () => {
      const finished = new Set<string>();
      const store = new MemoryOperationStore();
      return { store, locks: new MemoryLockStore(store.counter, async (o) => finished.has(o)), finished };
    },
  ],
  [
    'Azure Tables',
    async () => {
      const storage = new StorageClients(storageFromConnectionString(azurite.connectionString));
      const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
      const [operations, index, duplicates, locksTable] = ['ops', 'idx', 'dup', 'lck'].map((n) => storage.table(`${n}${suffix}`));
      await Promise.all([operations, index, duplicates, locksTable].map(ensureTable));
      const finished = new Set<string>();
      const store = new TableOperationStore({ operations, index, duplicates });
      return { store, locks: new TableLockStore(locksTable, store.counter, async (o) => finished.has(o)), finished };
    },
  ],
];

let seq = 0;
function record(overrides: Partial<OperationRecord> = {}): Omit<OperationRecord, 'etag'> {
  const at = new Date(Date.UTC(2026, 11, 5, 12, 0, 0, ++seq)).toISOString();
  return {
    id: `op-contract-${seq}-${randomUUID().slice(0, 6)}`,
    kind: 'restore',
    targetKey: 'sql-dev/sales_dev',
    lockKeys: ['sql-dev/sales_dev'],
    state: 'pending',
    step: 'locate',
    stepState: undefined,
    input: { blob: 'x.bak' },
    attempt: 0,
    version: 1,
    createdAt: at,
    updatedAt: at,
    deadline: '2026-12-06T12:00:00.000Z',
    messageToken: 't1',
    createdBy: 'test',
    ...overrides,
  };
}

describe.each(adapters)('%s', (_name, make) => {
  let a: Adapters;
  beforeEach(async () => {
    a = await make();
  });

  test('create: once per id, indexed as open and recent', async () => {
    const r = record();
    const created = await a.store.create(r, { actor: 'test', reason: 'created' });
    expect(created).toMatchObject({ id: r.id, state: 'pending', version: 1 });
    expect(created?.etag).toBeTruthy();
    expect(await a.store.create(r, { actor: 'test', reason: 'created' })).toBeUndefined();
    expect((await a.store.listOpen()).map((e) => e.id)).toEqual([r.id]);
    expect((await a.store.listRecent({ limit: 10 })).entries).toEqual([{ id: r.id, kind: 'restore', targetKey: 'sql-dev/sales_dev', createdAt: r.createdAt }]);
    expect(await a.store.audit(r.id)).toEqual([expect.objectContaining({ sequence: 1, actor: 'test', reason: 'created', toState: 'pending', toStep: 'locate' })]);
  });

  test('save: compare-and-swap, undefined clears a field, the audit row and the events go with it', async () => {
    const created = (await a.store.create(record({ leaseOwner: 'w1', leaseUntil: '2026-12-05T12:05:00.000Z' }), { actor: 't', reason: 'created' })) as OperationRecord;
    const saved = await a.store.save(created, { state: 'succeeded', leaseOwner: undefined, leaseUntil: undefined, output: { ok: true } }, '2026-12-05T12:01:00.000Z', { actor: 'w1', reason: 'done' }, (r) => [
      operationEvent('MiAutopilot.Operation.Succeeded', { operationId: r.id, kind: r.kind, targetKey: r.targetKey, state: r.state }, new Date(r.updatedAt), `${r.id}.v${r.version}`),
    ]);
    expect(saved).toMatchObject({ version: 2, state: 'succeeded', output: { ok: true }, updatedAt: '2026-12-05T12:01:00.000Z' });
    const fresh = (await a.store.get(created.id)) as OperationRecord;
    expect(fresh.leaseOwner).toBeUndefined();
    expect(fresh.leaseUntil).toBeUndefined();
    expect(fresh.etag).toBe(saved.etag);
    // the old ETag loses, and writes nothing
    await expect(a.store.save(created, { state: 'failed' }, '2026-12-05T12:02:00.000Z', { actor: 'w2', reason: 'late' }, () => [])).rejects.toBeInstanceOf(ConcurrencyConflict);
    expect((await a.store.get(created.id))?.state).toBe('succeeded');
    const audit = await a.store.audit(created.id);
    expect(audit.map((e) => [e.sequence, e.fromState, e.toState, e.reason])).toEqual([
      [1, undefined, 'pending', 'created'],
      [2, 'pending', 'succeeded', 'done'],
    ]);
    const pending = await a.store.pendingEvents(created.id);
    expect(pending.map((e) => e.id)).toEqual([`${created.id}.v2`]);
    await a.store.markPublished(created.id, pending[0].id);
    await a.store.markPublished(created.id, pending[0].id); // twice is harmless
    expect(await a.store.pendingEvents(created.id)).toEqual([]);
  });

  test('a field over the limit is refused whole, naming the field', async () => {
    const created = (await a.store.create(record(), { actor: 't', reason: 'created' })) as OperationRecord;
    const big = { tables: 'x'.repeat(40_000) };
    await expect(a.store.save(created, { stepState: big }, '2026-12-05T12:01:00.000Z')).rejects.toBeInstanceOf(RecordTooLarge);
    await expect(a.store.save(created, { stepState: big }, '2026-12-05T12:01:00.000Z')).rejects.toMatchObject({ code: 'OPERATION_TOO_LARGE', message: expect.stringContaining('its step state is 40013 characters') });
    expect((await a.store.get(created.id))?.version).toBe(1);
  });

  test('indexes: close takes it out of the open list; recent pages newest first with filters', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = record({ kind: i % 2 ? 'refresh' : 'restore', targetKey: `sql-dev/db${i % 3}` });
      await a.store.create(r, { actor: 't', reason: 'created' });
      ids.push(r.id);
    }
    const newest = [...ids].reverse();
    await a.store.closeIndex((await a.store.get(ids[1])) as OperationRecord);
    expect((await a.store.listOpen()).map((e) => e.id).sort()).toEqual([ids[0], ids[2], ids[3], ids[4]].sort());
    const page1 = await a.store.listRecent({ limit: 2 });
    expect(page1.entries.map((e) => e.id)).toEqual(newest.slice(0, 2));
    const page2 = await a.store.listRecent({ limit: 2, continuation: page1.continuation });
    expect(page2.entries.map((e) => e.id)).toEqual(newest.slice(2, 4));
    const page3 = await a.store.listRecent({ limit: 2, continuation: page2.continuation });
    expect(page3.entries.map((e) => e.id)).toEqual(newest.slice(4));
    expect(page3.continuation).toBeUndefined();
    expect((await a.store.listRecent({ limit: 10, kind: 'refresh' })).entries.map((e) => e.id)).toEqual([ids[3], ids[1]]);
    expect((await a.store.listRecent({ limit: 10, targetKey: 'sql-dev/db0' })).entries.map((e) => e.id)).toEqual([ids[3], ids[0]]);
    const cutoff = new Date(new Date((await a.store.get(ids[2]))?.createdAt ?? 0).getTime());
    expect((await a.store.listCreatedBefore(cutoff, 10)).map((e) => e.id).sort()).toEqual([ids[0], ids[1]].sort());
  });

  test('remove deletes the operation, its audit, its events, its duplicate count and its index entries', async () => {
    const created = (await a.store.create(record(), { actor: 't', reason: 'created' })) as OperationRecord;
    await a.store.save(created, { state: 'failed' }, '2026-12-05T12:01:00.000Z', { actor: 'w', reason: 'failed' }, (r) => [
      operationEvent('MiAutopilot.Operation.Failed', { operationId: r.id, kind: r.kind, targetKey: r.targetKey, state: r.state }, new Date(r.updatedAt), `${r.id}.v${r.version}`),
    ]);
    await a.store.countDuplicate(created.id, '2026-12-05T12:01:00.000Z');
    await a.store.remove({ id: created.id, kind: created.kind, targetKey: created.targetKey, createdAt: created.createdAt });
    expect(await a.store.get(created.id)).toBeUndefined();
    expect(await a.store.audit(created.id)).toEqual([]);
    expect(await a.store.pendingEvents(created.id)).toEqual([]);
    expect(await a.store.duplicateCount(created.id)).toBe(0);
    expect((await a.store.listOpen()).map((e) => e.id)).not.toContain(created.id);
    expect((await a.store.listRecent({ limit: 100 })).entries.map((e) => e.id)).not.toContain(created.id);
  });

  test('waits on named conditions: the record keeps them, the index finds the waiters, case aside, and forgets them', async () => {
    const created = (await a.store.create(record(), { actor: 't', reason: 'created' })) as OperationRecord;
    const other = (await a.store.create(record(), { actor: 't', reason: 'created' })) as OperationRecord;
    const saved = await a.store.save(created, { state: 'waiting', waitingOn: ['restore-backups:sql-dev/sales_dev'] }, '2026-12-05T12:01:00.000Z');
    expect((await a.store.get(created.id))?.waitingOn).toEqual(['restore-backups:sql-dev/sales_dev']);
    await a.store.watch('Restore-Backups:SQL-DEV/Sales_Dev ', created.id);
    await a.store.watch('restore-backups:sql-dev/sales_dev', other.id);
    await a.store.watch('restore-backups:sql-dev/orders', other.id);
    expect((await a.store.watchers('restore-backups:sql-dev/sales_dev')).sort()).toEqual([created.id, other.id].sort());
    await a.store.unwatch('restore-backups:sql-dev/sales_dev', other.id);
    expect(await a.store.watchers('restore-backups:sql-dev/sales_dev')).toEqual([created.id]);
    expect(await a.store.watchers('restore-backups:sql-dev/orders')).toEqual([other.id]);
    expect(await a.store.watchers('restore-backups:nobody')).toEqual([]);
    // leaving the wait clears them from the record
    await a.store.save(saved, { state: 'running', waitingOn: undefined }, '2026-12-05T12:02:00.000Z');
    expect((await a.store.get(created.id))?.waitingOn).toBeUndefined();
  });

  test('duplicate counts add up', async () => {
    const created = (await a.store.create(record(), { actor: 't', reason: 'created' })) as OperationRecord;
    for (let i = 0; i < 3; i++) await a.store.countDuplicate(created.id, '2026-12-05T12:01:00.000Z');
    expect(await a.store.duplicateCount(created.id)).toBe(3);
  });

  test('lock sets: all or none, renewed by their owner, taken over when expired or finished, freed only by their owner', async () => {
    const now = new Date('2026-12-05T12:00:00.000Z');
    const ttl = 60_000;
    expect(await a.locks.acquireAll(['link/sales', 'mi-prod/sales', 'sql-onprem/sales'], 'op-a', now, ttl)).toEqual({ acquired: true });
    // overlaps one: gets none, and names the holder
    expect(await a.locks.acquireAll(['mi-prod/sales', 'sql-dev/free'], 'op-b', now, ttl)).toMatchObject({ acquired: false, key: 'mi-prod/sales', owner: 'op-a' });
    expect(await a.locks.holder('sql-dev/free')).toBeUndefined();
    // the owner renews
    expect(await a.locks.acquireAll(['link/sales', 'mi-prod/sales', 'sql-onprem/sales'], 'op-a', new Date(now.getTime() + 30_000), ttl)).toEqual({ acquired: true });
    expect((await a.locks.holder('link/sales'))?.expiresAt).toBe('2026-12-05T12:01:30.000Z');
    // a non-owner's release frees nothing
    await a.locks.releaseAll(['link/sales'], 'op-b');
    expect((await a.locks.holder('link/sales'))?.owner).toBe('op-a');
    // expired: taken over
    expect(await a.locks.acquireAll(['link/sales'], 'op-c', new Date(now.getTime() + 120_000), ttl)).toEqual({ acquired: true });
    // finished owner: taken over at once
    a.finished.add('op-a');
    expect(await a.locks.acquireAll(['mi-prod/sales', 'sql-dev/free'], 'op-b', now, ttl)).toEqual({ acquired: true });
    await a.locks.releaseAll(['mi-prod/sales', 'sql-dev/free', 'link/sales'], 'op-b');
    expect(await a.locks.holder('mi-prod/sales')).toBeUndefined();
    expect((await a.locks.holder('link/sales'))?.owner).toBe('op-c');
  });
});
