// Retention: finished operations older than the cutoff go with everything kept for them (audit
// rows, unsent events, duplicate counts, index entries, what each feature keeps), a bounded batch
// per run; open operations are never deleted.
import { z } from 'zod';
import { definePlaybook } from '../../../shared/ops/playbook';
import { purgeOperations } from '../../../shared/ops/retention';
import { succeed, wait } from '../../../shared/ops/types';
import type { OperationRecord } from '../../../shared/ops/types';
import { startAzurite, type AzuriteInstance } from '../../helpers/azurite';
import { createOpsHarness } from '../../helpers/opsHarness';

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite.stop();
});

const parkOrFinish = definePlaybook({
  kind: 'kept',
  input: z.object({ park: z.boolean() }),
  state: z.unknown(),
  firstStep: 'one',
  defaultDeadlineMs: 3_600_000,
  steps: { one: async (ctx) => (ctx.input.park ? wait(3_600_000, 'parked') : succeed({ ok: true })) },
});

test('finished operations older than the cutoff are deleted in bounded batches with all they keep; open ones stay', async () => {
  const h = await createOpsHarness(azurite, [parkOrFinish]);
  const done: string[] = [];
  for (let i = 0; i < 3; i++) done.push((await h.engine.start({ kind: 'kept', targetKey: `sql-dev/old${i}`, input: { park: false }, createdBy: 'test', idempotencyKey: `key-${i}` })).operation.id);
  const open = (await h.engine.start({ kind: 'kept', targetKey: 'sql-dev/open', input: { park: true }, createdBy: 'test' })).operation.id;
  const settled = async (): Promise<boolean> => (await Promise.all(done.map((id) => h.engine.get(id)))).every((o) => o?.state === 'succeeded');
  await h.drainUntil(async () => (await settled()) && (await h.engine.get(open))?.state === 'waiting');
  // a duplicate event, counted on the first
  await h.engine.start({ kind: 'kept', targetKey: 'sql-dev/old0', input: { park: false }, createdBy: 'test', idempotencyKey: 'key-0' });
  expect(await h.engine.duplicateCount(done[0])).toBe(1);

  const forgotten: string[] = [];
  const options = { before: new Date(Date.now() + 24 * 3600_000), batch: 2, forget: [async (op: OperationRecord) => void forgotten.push(op.id)] };
  const first = await purgeOperations(h.engine.ctx, options);
  const second = await purgeOperations(h.engine.ctx, options);
  expect(first.deleted + second.deleted).toBe(3);
  expect(first.deleted).toBeLessThanOrEqual(2);
  expect(second.keptOpen).toBe(1);
  expect(forgotten.sort()).toEqual([...done].sort());
  for (const id of done) {
    expect(await h.engine.get(id)).toBeUndefined();
    expect(await h.engine.audit(id)).toEqual([]);
    expect(await h.engine.ctx.store.pendingEvents(id)).toEqual([]);
  }
  expect(await h.engine.duplicateCount(done[0])).toBe(0);
  const listed = (await h.engine.list({ limit: 100 })).operations.map((o) => o.id);
  expect(listed).toEqual([open]);
  // nothing is old enough yet for a cutoff of now minus a day
  expect((await purgeOperations(h.engine.ctx, { ...options, before: new Date(Date.now() - 24 * 3600_000) })).deleted).toBe(0);
  // the local event table goes by the same cutoff
  expect((await h.events.recent(100)).length).toBeGreaterThan(0);
  await h.events.purgeBefore(new Date(Date.now() + 24 * 3600_000), 1000);
  expect(await h.events.recent(100)).toEqual([]);
});
