// Queue trigger: advances the operation a work message names. All logic is in shared/ops.
import { app, InvocationContext } from '@azure/functions';
import { decodeWorkMessage } from '../shared/ops/workQueue';
import { invocationLogger } from '../shared/platform/logger';
import { getRuntime } from '../shared/runtime';

export async function operationWorker(message: unknown, context: InvocationContext): Promise<void> {
  const work = decodeWorkMessage(message);
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  const { engine } = await getRuntime();
  const outcome = await engine.process(work, { dequeueCount }, invocationLogger(context));
  context.log(`operation ${work.operationId}: ${outcome}`);
}

app.storageQueue('operationWorker', {
  queueName: 'operations',
  connection: 'AzureWebJobsStorage',
  handler: operationWorker,
});
