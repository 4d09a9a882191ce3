// The registered functions, called as the host calls them, with the runtime built from settings.
import { InvocationContext, Timer } from '@azure/functions';
import { startAzurite, AzuriteInstance } from '../../helpers/azurite';

let azurite: AzuriteInstance;

beforeAll(async () => {
  azurite = await startAzurite();
  process.env.AzureWebJobsStorage = azurite.connectionString;
});
afterAll(async () => {
  delete process.env.AzureWebJobsStorage;
  await azurite.stop();
});

const context = (dequeueCount = 1) => new InvocationContext({ functionName: 'test', triggerMetadata: { dequeueCount }, logHandler: () => undefined });

test('operationWorker advances a demo operation from the work queue; operationSweeper reports', async () => {
  const { operationWorker } = await import('../../../functions/operationWorker');
  const { operationSweeper } = await import('../../../functions/operationSweeper');
  const { getRuntime } = await import('../../../shared/runtime');
  const runtime = await getRuntime();
  expect(runtime.engine.ctx.settings.maxDequeueCount).toBe(5); // from host.json

  const { operation } = await runtime.engine.start({ kind: 'demo', targetKey: 'local/demo', input: {}, createdBy: 'test' });
  const queue = runtime.platform.storage.queue('operations');
  const received = await queue.receiveMessages({ numberOfMessages: 1 });
  expect(received.receivedMessageItems).toHaveLength(1);
  // the host decodes base64 JSON before calling the handler
  await operationWorker(JSON.parse(Buffer.from(received.receivedMessageItems[0].messageText, 'base64').toString('utf8')), context());
  expect((await runtime.engine.get(operation.id))?.state).toBe('succeeded');
  expect((await runtime.platform.eventTable?.recent())?.some((e) => e.data.operationId === operation.id && e.type === 'MiAutopilot.Operation.Succeeded')).toBe(true);

  const logs: string[] = [];
  const timerContext = new InvocationContext({ functionName: 'operationSweeper', logHandler: (_level, ...args) => logs.push(args.join(' ')) });
  const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
  await operationSweeper(timer, timerContext);
  expect(logs.join('\n')).toMatch(/swept \d+ open operations: 0 revived, 0 ended past their deadline or approval, 0 outcomes published/);
});

test('operationWorker refuses a malformed message so that it reaches the poison queue', async () => {
  const { operationWorker } = await import('../../../functions/operationWorker');
  await expect(operationWorker('garbage', context())).rejects.toThrow(/not JSON/);
});
