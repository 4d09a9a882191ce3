// Events the app publishes: operation outcomes and progress, as CloudEvents 1.0. In Azure they go
// to the app's Event Grid topic; locally (and for the dashboard) they are appended to a table.
import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { EventGridPublisherClient } from '@azure/eventgrid';
import type { ErrorInfo } from '../errors';

export const EVENT_SOURCE = '/mi-autopilot';

export type AppEventType =
  | 'MiAutopilot.Operation.Succeeded'
  | 'MiAutopilot.Operation.Failed'
  | 'MiAutopilot.Operation.Cancelled'
  | 'MiAutopilot.Operation.Progress'
  | 'MiAutopilot.Operation.AwaitingApproval';

export interface OperationEventData {
  operationId: string;
  kind: string;
  targetKey: string;
  state: string;
  percent?: number;
  message?: string;
  output?: unknown;
  error?: ErrorInfo;
}

export interface AppEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: AppEventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: OperationEventData;
}

export function operationEvent(type: AppEventType, data: OperationEventData, time: Date): AppEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: EVENT_SOURCE,
    type,
    subject: `operations/${data.operationId}`,
    time: time.toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

export interface EventPublisher {
  publish(event: AppEvent): Promise<void>;
}

/** Azure: the app's Event Grid topic, CloudEvents schema. */
export class EventGridPublisher implements EventPublisher {
  constructor(private readonly client: EventGridPublisherClient<'CloudEvent'>) {}

  async publish(event: AppEvent): Promise<void> {
    await this.client.send([
      { id: event.id, source: event.source, type: event.type, subject: event.subject, time: new Date(event.time), datacontenttype: event.datacontenttype, data: event.data },
    ]);
  }
}

const MAX_TIME = 9_999_999_999_999;

/** Local: a table, newest first (row keys count down), read by tests and the dashboard. */
export class TableEventPublisher implements EventPublisher {
  constructor(private readonly table: TableClient) {}

  async publish(event: AppEvent): Promise<void> {
    const ms = new Date(event.time).getTime();
    await this.table.createEntity({
      partitionKey: 'event',
      rowKey: `${String(MAX_TIME - ms).padStart(13, '0')}-${event.id}`,
      type: event.type,
      subject: event.subject,
      time: event.time,
      eventJson: JSON.stringify(event),
    });
  }

  async recent(limit = 50): Promise<AppEvent[]> {
    const out: AppEvent[] = [];
    for await (const e of this.table.listEntities<{ eventJson: string }>({ queryOptions: { filter: "PartitionKey eq 'event'" } })) {
      out.push(JSON.parse(e.eventJson) as AppEvent);
      if (out.length >= limit) break;
    }
    return out;
  }
}
