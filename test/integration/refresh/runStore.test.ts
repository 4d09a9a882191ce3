// The refresh run store on a real table (Azurite): concurrent claims of one slot give one run and
// tell the others which operation has it; old slots are refused; outcomes, manual runs and pauses.
import { TableClient } from '@azure/data-tables';
import type { Clock } from '../../../shared/clock';
import { AppError } from '../../../shared/errors';
import { manualSlot, RefreshRunStore, type ClaimResult } from '../../../shared/refresh/runStore';
import { ensureTable } from '../../../shared/storage/clients';
import { startAzurite, type AzuriteInstance } from '../../helpers/azurite';

let azurite: AzuriteInstance;
let tables = 0;

beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

const opFor = (job: string) => (slot: string) => `refresh-${job}-${slot}`;

/** A table of its own per test, and a clock the test moves. */
async function newStore(): Promise<{ table: TableClient; store: RefreshRunStore; clock: Clock & { set(iso: string): void } }> {
  const table = TableClient.fromConnectionString(azurite.connectionString, `refreshruns${++tables}`, { allowInsecureConnection: true });
  await ensureTable(table);
  let now = new Date('2025-06-15T00:00:01.000Z');
  const clock = { now: () => now, set: (iso: string) => void (now = new Date(iso)) };
  return { table, store: new RefreshRunStore(table, clock), clock };
}

test('concurrent claims of one slot: exactly one claims it, the others are told which operation did', async () => {
  const { table, store } = await newStore();
  // several timers (separate clients, as separate app instances) at once, for a job with no row yet
  const claimers = Array.from({ length: 8 }, (_, i) => new RefreshRunStore(TableClient.fromConnectionString(azurite.connectionString, table.tableName, { allowInsecureConnection: true }), { now: () => new Date(Date.UTC(2025, 5, 15, 0, 0, 1, i)) }));
  const first = await Promise.all(claimers.map((s, i) => s.claim('Sales-dev', '2025-06-15T00:00:00.000Z', (slot) => `op-${i}-${slot}`)));
  const winners = first.filter((r): r is Extract<ClaimResult, { claimed: true }> => r.claimed);
  expect(winners).toHaveLength(1);
  for (const r of first.filter((x) => !x.claimed)) expect(r).toEqual({ claimed: false, by: winners[0].operationId, reason: 'taken' });

  // and again for the next slot, now that the row exists (ETag compare-and-swap on update)
  const second = await Promise.all(claimers.map((s, i) => s.claim('Sales-dev', '2025-06-16T00:00:00.000Z', (slot) => `op-${i}-${slot}`)));
  const winners2 = second.filter((r): r is Extract<ClaimResult, { claimed: true }> => r.claimed);
  expect(winners2).toHaveLength(1);
  for (const r of second.filter((x) => !x.claimed)) expect(r).toEqual({ claimed: false, by: winners2[0].operationId, reason: 'taken' });

  const state = await store.get('sales-dev');
  expect(state?.job).toBe('Sales-dev');
  expect(state?.lastScheduledFor).toBe('2025-06-16T00:00:00.000Z');
  expect(state?.lastRun?.operationId).toBe(winners2[0].operationId);
}, 30_000);

test('a slot earlier than or equal to lastScheduledFor is refused; the same slot in another spelling is the same slot', async () => {
  const { store } = await newStore();
  expect(await store.claim('nightly', '2025-06-15T00:00:00.000Z', opFor('nightly'))).toEqual({ claimed: true, operationId: 'refresh-nightly-2025-06-15T00:00:00.000Z' });
  expect(await store.claim('nightly', '2025-06-15T00:00:00Z', opFor('nightly'))).toEqual({ claimed: false, by: 'refresh-nightly-2025-06-15T00:00:00.000Z', reason: 'taken' });
  expect(await store.claim('nightly', '2025-06-14T00:00:00.000Z', opFor('nightly'))).toEqual({ claimed: false, by: 'refresh-nightly-2025-06-15T00:00:00.000Z', reason: 'superseded' });
  expect(await store.claim('NIGHTLY', '2025-06-16T00:00:00.000Z', opFor('nightly'))).toEqual({ claimed: true, operationId: 'refresh-nightly-2025-06-16T00:00:00.000Z' });
  // the slot that was the latest is now old too
  expect(await store.claim('nightly', '2025-06-15T00:00:00.000Z', opFor('nightly'))).toEqual({ claimed: false, by: 'refresh-nightly-2025-06-16T00:00:00.000Z', reason: 'superseded' });
  expect((await store.get('nightly'))?.lastScheduledFor).toBe('2025-06-16T00:00:00.000Z');
});

test('an outcome is recorded on its run, with its duration; another operation is not recorded', async () => {
  const { store, clock } = await newStore();
  clock.set('2025-06-15T00:00:02.000Z');
  const claim = await store.claim('nightly', '2025-06-15T00:00:00.000Z', opFor('nightly'));
  expect(claim.claimed).toBe(true);
  const operationId = (claim as { operationId: string }).operationId;
  expect((await store.get('nightly'))?.lastRun).toEqual({ slot: '2025-06-15T00:00:00.000Z', operationId, startedAt: '2025-06-15T00:00:02.000Z' });

  expect(await store.recordOutcome('nightly', 'op-of-someone-else', 'failed', new Date('2025-06-15T00:10:00Z'))).toBe(false);
  expect(await store.recordOutcome('unknown-job', operationId, 'failed', new Date('2025-06-15T00:10:00Z'))).toBe(false);
  expect(await store.recordOutcome('nightly', operationId, 'succeeded', new Date('2025-06-15T00:42:17.500Z'))).toBe(true);
  // recording it again changes nothing
  expect(await store.recordOutcome('nightly', operationId, 'succeeded', '2025-06-15T00:42:17.500Z')).toBe(true);
  const run = { slot: '2025-06-15T00:00:00.000Z', operationId, startedAt: '2025-06-15T00:00:02.000Z', endedAt: '2025-06-15T00:42:17.500Z', outcome: 'succeeded', durationMs: 2_535_500 };
  expect((await store.get('nightly'))?.lastRun).toEqual(run);

  const listed = await store.list();
  expect(listed).toHaveLength(1);
  expect(listed[0]).toMatchObject({ job: 'nightly', lastScheduledFor: '2025-06-15T00:00:00.000Z', lastRun: run, lastScheduledRun: run, paused: false });
  expect(listed[0].lastManualRun).toBeUndefined();
});

test('manual runs have their own slots: they do not move lastScheduledFor, and one manual slot runs once', async () => {
  const { store, clock } = await newStore();
  await store.claim('nightly', '2025-06-15T00:00:00.000Z', opFor('nightly'));
  clock.set('2025-06-15T08:12:03.120Z');
  const slot = manualSlot(clock.now());
  expect(slot).toBe('manual:2025-06-15T08:12:03.120Z');
  const manual = await Promise.all([store.claim('nightly', slot, opFor('nightly')), store.claim('nightly', slot, opFor('nightly'))]);
  expect(manual.filter((r) => r.claimed)).toEqual([{ claimed: true, operationId: 'refresh-nightly-manual:2025-06-15T08:12:03.120Z' }]);
  expect(manual.filter((r) => !r.claimed)).toEqual([{ claimed: false, by: 'refresh-nightly-manual:2025-06-15T08:12:03.120Z', reason: 'taken' }]);
  // an earlier manual slot (a request retried late) is refused
  expect(await store.claim('nightly', 'manual:2025-06-15T08:00:00.000Z', opFor('nightly'))).toEqual({ claimed: false, by: 'refresh-nightly-manual:2025-06-15T08:12:03.120Z', reason: 'superseded' });

  let state = await store.get('nightly');
  expect(state?.lastScheduledFor).toBe('2025-06-15T00:00:00.000Z');
  expect(state?.lastRun?.slot).toBe(slot);
  expect(state?.lastScheduledRun?.slot).toBe('2025-06-15T00:00:00.000Z');

  // the next scheduled slot still runs; both runs' outcomes are kept
  clock.set('2025-06-16T00:00:00.500Z');
  expect(await store.claim('nightly', '2025-06-16T00:00:00.000Z', opFor('nightly'))).toEqual({ claimed: true, operationId: 'refresh-nightly-2025-06-16T00:00:00.000Z' });
  expect(await store.recordOutcome('nightly', 'refresh-nightly-manual:2025-06-15T08:12:03.120Z', 'failed', new Date('2025-06-15T08:30:00.000Z'))).toBe(true);
  state = await store.get('nightly');
  expect(state?.lastRun?.slot).toBe('2025-06-16T00:00:00.000Z');
  expect(state?.lastManualRun).toMatchObject({ outcome: 'failed', durationMs: 1_076_880 });
  expect(state?.lastScheduledFor).toBe('2025-06-16T00:00:00.000Z');
  // a manual run of a job that never ran by schedule leaves it never run by schedule
  expect((await store.claim('weekly', manualSlot(clock.now()), opFor('weekly'))).claimed).toBe(true);
  expect((await store.get('weekly'))?.lastScheduledFor).toBeUndefined();
});

test('a paused job claims no scheduled slot (a manual run still goes); resumed, it does', async () => {
  const { store, clock } = await newStore();
  clock.set('2025-06-15T09:00:00.000Z');
  const paused = await store.setPaused('nightly', true);
  expect(paused).toMatchObject({ job: 'nightly', paused: true, pausedChangedAt: '2025-06-15T09:00:00.000Z' });
  expect(paused.lastScheduledFor).toBeUndefined();
  expect(await store.claim('nightly', '2025-06-16T00:00:00.000Z', opFor('nightly'))).toEqual({ claimed: false, reason: 'paused' });
  expect((await store.claim('nightly', manualSlot(clock.now()), opFor('nightly'))).claimed).toBe(true);
  expect((await store.list()).map((s) => [s.job, s.paused])).toEqual([['nightly', true]]);
  // pausing again changes nothing
  clock.set('2025-06-15T10:00:00.000Z');
  expect((await store.setPaused('nightly', true)).pausedChangedAt).toBe('2025-06-15T09:00:00.000Z');
  expect(await store.setPaused('nightly', false)).toMatchObject({ paused: false, pausedChangedAt: '2025-06-15T10:00:00.000Z' });
  expect((await store.claim('nightly', '2025-06-16T00:00:00.000Z', opFor('nightly'))).claimed).toBe(true);
});

test('unlessRunning: no new run beside one without an outcome', async () => {
  const { store, clock } = await newStore();
  await store.claim('nightly', '2025-06-15T00:00:00.000Z', opFor('nightly'));
  clock.set('2025-06-15T00:05:00.000Z');
  expect(await store.claim('nightly', manualSlot(clock.now()), opFor('nightly'), { unlessRunning: true })).toEqual({ claimed: false, by: 'refresh-nightly-2025-06-15T00:00:00.000Z', reason: 'running' });
  await store.recordOutcome('nightly', 'refresh-nightly-2025-06-15T00:00:00.000Z', 'succeeded', clock.now());
  expect(await store.claim('nightly', manualSlot(clock.now()), opFor('nightly'), { unlessRunning: true })).toEqual({ claimed: true, operationId: 'refresh-nightly-manual:2025-06-15T00:05:00.000Z' });
});

test('writers of different things at once all land (each retries its compare-and-swap)', async () => {
  const { store } = await newStore();
  const { operationId } = (await store.claim('nightly', '2025-06-15T00:00:00.000Z', opFor('nightly'))) as { operationId: string };
  const [recorded, , manual] = await Promise.all([
    store.recordOutcome('nightly', operationId, 'succeeded', new Date('2025-06-15T00:30:00.000Z')),
    store.setPaused('nightly', true),
    store.claim('nightly', 'manual:2025-06-15T00:31:00.000Z', opFor('nightly')),
  ]);
  expect(recorded).toBe(true);
  expect(manual.claimed).toBe(true);
  const state = await store.get('nightly');
  expect(state).toMatchObject({ paused: true, lastScheduledRun: { outcome: 'succeeded' }, lastManualRun: { slot: 'manual:2025-06-15T00:31:00.000Z' } });
});

test('what is not a slot or a job name is refused before anything is written', async () => {
  const { store } = await newStore();
  for (const slot of ['yesterday', 'manual:soon', '', '1718409600000']) {
    await expect(store.claim('nightly', slot, opFor('nightly'))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  }
  await expect(store.claim('../etc', '2025-06-15T00:00:00.000Z', opFor('x'))).rejects.toBeInstanceOf(AppError);
  expect(await store.list()).toEqual([]);
});
