// What happened to incoming events, counted by outcome and reason for the dashboard: kept in a
// table per UTC day, so every instance of a scaled-out app adds to the same numbers. Each process
// buffers its counts and adds them with compare-and-swap at most every couple of seconds; counts
// not yet flushed when a process dies are lost (they are diagnostics, not state).
import type { TableClient } from '@azure/data-tables';

const FLUSH_MS = 2_000;

const day = (d: Date): string => d.toISOString().slice(0, 10);
const rowKeyOf = (key: string): string => encodeURIComponent(key).replace(/%/g, '~');

export class EventCounters {
  private pending = new Map<string, number>();
  private lastFlush = 0;
  private flushing?: Promise<void>;

  constructor(
    private readonly table: TableClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Counts one event; flushes to the table when the last flush is old enough. */
  async add(key: string): Promise<void> {
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    if (Date.now() - this.lastFlush >= FLUSH_MS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const batch = this.pending;
    this.pending = new Map();
    this.lastFlush = Date.now();
    this.flushing = (async () => {
      const partitionKey = day(this.now());
      for (const [key, count] of batch) {
        if (!(await this.increment(partitionKey, key, count))) this.pending.set(key, (this.pending.get(key) ?? 0) + count);
      }
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Today's counts (UTC), this process's unflushed ones included. */
  async today(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for await (const e of this.table.listEntities<{ key: string; count: number }>({ queryOptions: { filter: `PartitionKey eq '${day(this.now())}'` } })) {
      out[e.key] = Number(e.count);
    }
    for (const [key, count] of this.pending) out[key] = (out[key] ?? 0) + count;
    return out;
  }

  private async increment(partitionKey: string, key: string, by: number): Promise<boolean> {
    const rowKey = rowKeyOf(key);
    for (let tries = 0; tries < 5; tries++) {
      try {
        const current = await this.table.getEntity<{ count: number }>(partitionKey, rowKey).catch((err: { statusCode?: number }) => {
          if (err.statusCode === 404) return undefined;
          throw err;
        });
        if (!current) await this.table.createEntity({ partitionKey, rowKey, key, count: by });
        else await this.table.updateEntity({ partitionKey, rowKey, key, count: Number(current.count) + by }, 'Replace', { etag: current.etag });
        return true;
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (status !== 409 && status !== 412) return false;
      }
    }
    return false;
  }
}
