// Decisions of one link are taken one at a time (a lease row in Azurite): a second waits for the
// first, a holder that died is taken over when its lease ran out, a live one that never lets go
// makes the waiter give up with a clear error; other links are not held up.
import { TableClient } from '@azure/data-tables';
import { DecisionStore } from '../../../shared/failover/decisionStore';
import { startAzurite, type AzuriteInstance } from '../../helpers/azurite';

let azurite: AzuriteInstance;
let table: TableClient;
let store: DecisionStore;

beforeAll(async () => {
  azurite = await startAzurite();
  table = TableClient.fromConnectionString(azurite.connectionString, 'failoverdecisions', { allowInsecureConnection: true });
  await table.createTable();
  store = new DecisionStore(table);
});
afterAll(async () => azurite?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('two decisions of one link run one after the other; another link is not held up', async () => {
  const order: string[] = [];
  const slow = store.exclusive('Link_A', async () => {
    order.push('first begins');
    await sleep(300);
    order.push('first ends');
  });
  await sleep(50);
  const other = store.exclusive('Link_B', async () => void order.push('other link'));
  const second = store.exclusive('link_a', async () => void order.push('second'));
  await Promise.all([slow, other, second]);
  expect(order).toEqual(['first begins', 'other link', 'first ends', 'second']);
});

test('a holder that died is taken over once its lease ran out; a live one makes the waiter give up', async () => {
  // a lease left by a process that died while deciding, already expired
  await table.createEntity({ partitionKey: 'link_c', rowKey: 'm_deciding', holder: 'dead', until: new Date(Date.now() - 1000).toISOString() });
  expect(await store.exclusive('Link_C', async () => 'decided')).toBe('decided');

  // one that is still held (for a minute)
  await table.createEntity({ partitionKey: 'link_d', rowKey: 'm_deciding', holder: 'slow', until: new Date(Date.now() + 60_000).toISOString() });
  await expect(store.exclusive('Link_D', async () => 'never', { waitMs: 300 })).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', message: expect.stringMatching(/another decision for link Link_D has been running/) });
});

test('the lease is let go when the work fails', async () => {
  await expect(store.exclusive('Link_E', async () => Promise.reject(new Error('ARM said no')))).rejects.toThrow('ARM said no');
  expect(await store.exclusive('Link_E', async () => 'next', { waitMs: 200 })).toBe('next');
});
