// Queue trigger on the poison queue: a message the host gave up on must not vanish silently.
// The worker normally ends the operation itself on the last delivery; this catches the rest (a
// worker killed on that delivery, or a message that never parsed). The operation ends through
// its playbook's cleanup like any other failure.
import { app, InvocationContext } from '@azure/functions';
import { decodeWorkMessage } from '../shared/ops/workQueue';
import { invocationLogger } from '../shared/platform/logger';
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
  const { endOperation } = await import('../shared/ops/ending');
  const error = { code: 'POISON_MESSAGE', message: "the worker failed on every delivery of this operation's message; see the function logs for the errors" };
  const { op, outcome } = await endOperation(
    { ...engine.ctx, log: invocationLogger(context) },
    work.operationId,
    { ending: 'failed', error, actor: 'poison-queue', reason: error.message, duringCleanup: `the cleanup step could not finish: ${error.message}` },
    // a stale message (the operation moved on since) says nothing about the operation now
    (current) => current.messageToken === work.token,
  );
  context.warn(`operation ${work.operationId}: poison message handled (${outcome}); operation is ${op?.state ?? 'unknown'}`);
}

app.storageQueue('operationPoison', {
  queueName: 'operations-poison',
  connection: 'AzureWebJobsStorage',
  handler: operationPoison,
});
