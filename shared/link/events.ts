// MiAutopilot.Link.HealthChanged: published only when a link's state changes, with from/to, the
// reasons and the numbers. Its id is the link and the version of the saved change, so a second
// publication (after a crash between saving and publishing) is the same event.
import { EVENT_SOURCE, type LinkHealthEvent } from '../events/outgoing';
import type { LinkHealthRecord, LinkMetrics, LinkReason, LinkState } from './types';

export interface LinkHealthChangedData {
  link: string;
  from: LinkState | null;
  to: LinkState;
  since: string;
  message: string;
  reasons: LinkReason[];
  metrics: LinkMetrics;
  sampledAt: string;
  version: number;
}

export function healthChangedEvent(record: LinkHealthRecord, from: LinkState | undefined): LinkHealthEvent {
  const data: LinkHealthChangedData = {
    link: record.link,
    from: from ?? null,
    to: record.state,
    since: record.since,
    message: record.message,
    reasons: record.reasons,
    metrics: record.metrics,
    sampledAt: record.sampledAt,
    version: record.version,
  };
  return {
    specversion: '1.0',
    id: `${record.link}.v${record.version}`,
    source: EVENT_SOURCE,
    type: 'MiAutopilot.Link.HealthChanged',
    subject: `links/${record.link}`,
    time: record.sampledAt,
    datacontenttype: 'application/json',
    data,
  };
}
