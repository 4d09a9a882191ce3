// Queue trigger (linkconfirm): a link whose last sample disagreed with its state is sampled again,
// confirmSeconds after the previous sample, until its state settles.
import { app, InvocationContext } from '@azure/functions';
import { CONFIRM_QUEUE } from '../shared/link/settings';
import { invocationLogger } from '../shared/platform/logger';
import { getRuntime } from '../shared/runtime';

export async function linkConfirm(message: unknown, context: InvocationContext): Promise<void> {
  const { decodeConfirmation } = await import('../shared/link/feature');
  const { link, dueAt } = decodeConfirmation(message);
  const { links, failover } = await getRuntime();
  const log = invocationLogger(context);
  const intake = failover.intake(log);
  const outcome = await links.monitor(log, (record, transition) => intake.onHealth(record, transition)).confirm(link, dueAt);
  context.log(`link ${link}: confirmation due ${dueAt}: ${outcome}`);
}

app.storageQueue('linkConfirm', { queueName: CONFIRM_QUEUE, connection: 'AzureWebJobsStorage', handler: linkConfirm });
