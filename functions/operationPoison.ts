// Queue trigger on the poison queue: a message the host gave up on must not vanish silently.
// The worker normally fails the operation itself on the last delivery; this catches the rest
// (a worker killed on that delivery, or a message that never parsed).
import { app, InvocationContext } from '@azure/functions';
import { failOperation } from '../shared/ops/context';
import { decodeWorkMessage } from '../shared/ops/workQueue';
import { getRuntime } from '../shared/runtime';
import { toErrorInfo } from '../shared/errors';

export async function operationPoison(message: unknown, context: InvocationContext): Promise<void> {
  let work;
  try {
    work = decodeWorkMessage(message);
  } catch (err) {
    context.error(`poison message that names no operation dropped: ${toErrorInfo(err).message}`);
    return;
  }
  const { engine } = await getRuntime();
  const op = await failOperation(
    engine.ctx,
    work.operationId,
    { code: 'POISON_MESSAGE', message: 'the worker failed on every delivery of this operation\'s message; see the function logs for the errors' },
    'poison-queue',
  );
  context.warn(`operation ${work.operationId}: poison message handled; operation is ${op?.state ?? 'unknown'}`);
}

app.storageQueue('operationPoison', {
  queueName: 'operations-poison',
  connection: 'AzureWebJobsStorage',
  handler: operationPoison,
});
