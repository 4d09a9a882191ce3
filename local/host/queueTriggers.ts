// Storage queue triggers: one QueuePump per function with host.json's extensions.queues settings,
// the connection named by the binding (default AzureWebJobsStorage) read from the settings, the
// message handed over as the host sends it, with the host's trigger metadata; failures retried
// until maxDequeueCount, then moved to `<queue>-poison`.
import { QueueServiceClient } from '@azure/storage-queue';
import { QueueDelivery, QueuePump } from '../queuePump';
import type { RpcTypedData } from './coreTypes';
import type { QueueHostSettings } from './hostJson';
import type { HostEvents } from './hostLog';
import type { Invoker } from './invoker';
import type { LoadedFunction } from './loader';
import { resolveConnection } from './settings';
import { resolveSetting } from './timers';

/** The host keeps a message invisible this long while its function runs. */
const RUNNING_VISIBILITY_SECONDS = 600;

export function queueTriggerMetadata(delivery: QueueDelivery, text: string): Record<string, RpcTypedData> {
  const date = (d: Date | undefined): RpcTypedData => ({ json: JSON.stringify(d ? d.toISOString() : null) });
  return {
    QueueTrigger: { string: text },
    DequeueCount: { json: String(delivery.dequeueCount) },
    Id: { string: delivery.messageId },
    PopReceipt: { string: delivery.popReceipt ?? '' },
    InsertionTime: date(delivery.insertedOn),
    ExpirationTime: date(delivery.expiresOn),
    NextVisibleTime: date(delivery.nextVisibleOn),
  };
}

/**
 * What the host tells whoever supervises it about the queue messages it holds (received, then
 * settled): a supervisor releases the ones a dead host still held, as the runtime releases the
 * message of an invocation whose worker died.
 */
export type QueueMessageEvent =
  | { kind: 'queueMessage'; event: 'received'; connection: string; queue: string; messageId: string; popReceipt: string; retryVisibilitySeconds: number }
  | { kind: 'queueMessage'; event: 'settled'; queue: string; messageId: string };

export interface QueueTrigger {
  fn: LoadedFunction;
  queueName: string;
  pump: QueuePump;
}

export function startQueueTrigger(
  fn: LoadedFunction,
  settings: QueueHostSettings,
  invoker: Invoker,
  events: HostEvents,
  env: NodeJS.ProcessEnv,
  onQueueMessage?: (event: QueueMessageEvent) => void,
): QueueTrigger {
  const queueName = resolveSetting(String(fn.trigger.queueName ?? ''), env).toLowerCase();
  if (!queueName) throw new Error(`queue trigger "${fn.name}" names no queue`);
  const connection = resolveConnection(typeof fn.trigger.connection === 'string' && fn.trigger.connection ? fn.trigger.connection : 'AzureWebJobsStorage', env);
  const service = QueueServiceClient.fromConnectionString(connection);
  const queue = service.getQueueClient(queueName);
  const poisonName = `${queueName}-poison`;
  const poison = service.getQueueClient(poisonName);
  const category = `Function.${fn.name}`;

  const handler = async (delivery: QueueDelivery): Promise<void> => {
    const text = delivery.messageText ?? (typeof delivery.body === 'string' ? delivery.body : JSON.stringify(delivery.body));
    const result = await invoker.invoke(fn, {
      triggerData: { string: text },
      triggerMetadata: queueTriggerMetadata(delivery, text),
      reason: `New queue message detected on '${queueName}'.`,
    });
    if (result.status === 'Failed') throw result.error;
  };
  const pump = new QueuePump(
    queue,
    poison,
    handler,
    {
      batchSize: settings.batchSize,
      maxDequeueCount: settings.maxDequeueCount,
      visibilityTimeoutSeconds: Math.ceil(settings.visibilityTimeoutMs / 1000),
      maxPollingIntervalMs: settings.maxPollingIntervalMs,
      messageEncoding: settings.messageEncoding,
      receiveVisibilityTimeoutSeconds: RUNNING_VISIBILITY_SECONDS,
      retryVisibilityTimeoutSeconds: Math.ceil(settings.visibilityTimeoutMs / 1000),
      track: onQueueMessage && {
        received: (d) =>
          onQueueMessage({ kind: 'queueMessage', event: 'received', connection, queue: queueName, messageId: d.messageId, popReceipt: d.popReceipt ?? '', retryVisibilitySeconds: Math.ceil(settings.visibilityTimeoutMs / 1000) }),
        settled: (d) => onQueueMessage({ kind: 'queueMessage', event: 'settled', queue: queueName, messageId: d.messageId }),
      },
    },
    () => undefined, // the invoker has logged the failure
    (delivery) =>
      events.log(
        'warning',
        category,
        `Message has reached MaxDequeueCount of ${settings.maxDequeueCount}. Moving message ${delivery.messageId} to queue '${poisonName}'.`,
        { functionName: fn.name },
      ),
  );
  pump.start();
  return { fn, queueName, pump };
}
