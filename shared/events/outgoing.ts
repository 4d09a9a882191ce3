// Events the app publishes: operation outcomes and progress, as CloudEvents 1.0. In Azure they go
// to the app's Event Grid topic; locally (and for the dashboard) they are appended to a table.
// Every event's id is derived from what it reports (operation id + the record's version for an
// outcome), so a consumer deduplicates a redelivery, and publishing one again is harmless.
import { odata, type TableClient } from '@azure/data-tables';
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

/** A CloudEvents 1.0 event of the app. */
export interface CloudEvent<Type extends string, Data> {
  specversion: '1.0';
  id: string;
  source: string;
  type: Type;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: Data;
}

/** An operation's outcome or progress. */
export type AppEvent = CloudEvent<AppEventType, OperationEventData>;

/** A link's health changed state (data: shared/link/events.ts). */
export type LinkHealthEvent = CloudEvent<'MiAutopilot.Link.HealthChanged', unknown>;

export type PublishedEvent = AppEvent | LinkHealthEvent;
const isOperationEvent = (e: PublishedEvent): e is AppEvent => e.type.startsWith('MiAutopilot.Operation.');

/** `id` must identify what happened, not the attempt to say it: the same fact, the same id. */
export function operationEvent(type: AppEventType, data: OperationEventData, time: Date, id: string): AppEvent {
  return {
    specversion: '1.0',
    id,
    source: EVENT_SOURCE,
    type,
    subject: `operations/${data.operationId}`,
    time: time.toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

export interface EventPublisher {
  /** publishing an event whose id was already published must be harmless */
  publish(event: PublishedEvent): Promise<void>;
}

/** Azure: the app's Event Grid topic, CloudEvents schema (consumers deduplicate by id). */
export class EventGridPublisher implements EventPublisher {
  constructor(private readonly client: EventGridPublisherClient<'CloudEvent'>) {}

  async publish(event: PublishedEvent): Promise<void> {
    await this.client.send([
      { id: event.id, source: event.source, type: event.type, subject: event.subject, time: new Date(event.time), datacontenttype: event.datacontenttype, data: event.data },
    ]);
  }
}

const MAX_TIME = 9_999_999_999_999;
const timeKey = (ms: number): string => String(MAX_TIME - ms).padStart(13, '0');

/** Local: a table, newest first (row keys count down), read by tests and the dashboard. */
export class TableEventPublisher implements EventPublisher {
  constructor(private readonly table: TableClient) {}

  async publish(event: PublishedEvent): Promise<void> {
    try {
      await this.table.createEntity({
        partitionKey: 'event',
        // derived from the event: the same event published twice is the same row
        rowKey: `${timeKey(new Date(event.time).getTime())}-${event.id}`,
        type: event.type,
        subject: event.subject,
        time: event.time,
        eventJson: JSON.stringify(event),
      });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    }
  }

  /** The newest operation events. */
  async recent(limit = 50): Promise<AppEvent[]> {
    return (await this.newest(limit, (e) => isOperationEvent(e))) as AppEvent[];
  }

  /** The newest events of every kind (operation outcomes and progress, link health changes). */
  async recentAll(limit = 50): Promise<PublishedEvent[]> {
    return this.newest(limit, () => true);
  }

  /** The newest link health events. */
  async recentLinkEvents(limit = 50): Promise<LinkHealthEvent[]> {
    return (await this.newest(limit, (e) => e.type === 'MiAutopilot.Link.HealthChanged')) as LinkHealthEvent[];
  }

  private async newest(limit: number, wanted: (e: PublishedEvent) => boolean): Promise<PublishedEvent[]> {
    const out: PublishedEvent[] = [];
    for await (const e of this.table.listEntities<{ eventJson: string }>({ queryOptions: { filter: "PartitionKey eq 'event'" } })) {
      const event = JSON.parse(e.eventJson) as PublishedEvent;
      if (wanted(event)) out.push(event);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Deletes up to `limit` events older than `before`; returns how many went. */
  async purgeBefore(before: Date, limit: number): Promise<number> {
    const filter = odata`PartitionKey eq 'event' and RowKey gt ${timeKey(before.getTime())}`;
    let deleted = 0;
    for await (const e of this.table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
      if (deleted >= limit) break;
      try {
        await this.table.deleteEntity('event', e.rowKey as string);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      }
      deleted++;
    }
    return deleted;
  }
}
