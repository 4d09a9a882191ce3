// sys.dm_os_performance_counters and sys.dm_exec_connections.
//
// The counters SQL Server exposes per database (SQLServer:Databases: Log Bytes Flushed/sec as a
// cumulative PERF_COUNTER_BULK_COUNT, read twice for a rate; Percent Log Used and the log and data
// sizes as raw values; _Total beside the databases), the Database Replica and Availability Replica
// counters of the links, and General Statistics' User Connections. object_name, counter_name and
// instance_name are nchar(128): their values come padded with spaces to 128 characters, as SQL
// Server sends them (the wire type is nvarchar(128)).
import { BULK_COUNT, LARGE_RAWCOUNT, type PerfCounterRow } from '../hadr';
import { logSpace } from '../logSpace';
import type { SessionInfo } from '../sessionInfo';
import { c, view } from './columns';
import type { CatalogScope } from './scope';

const KB = 1024;
const pad = (s: string): string => s.padEnd(128, ' ');

function databaseCounters(scope: CatalogScope): PerfCounterRow[] {
  const inst = scope.instance;
  const rows: PerfCounterRow[] = [];
  const total = new Map<string, { value: number; type: number }>();
  const add = (counter: string, instance: string, value: number, type: number): void => {
    rows.push({ object: 'Databases', counter, instance, value: Math.round(value), type });
    const t = total.get(counter) ?? { value: 0, type };
    t.value += Math.round(value);
    total.set(counter, t);
  };
  for (const db of inst.databases()) {
    const space = logSpace(db, inst.config.kind);
    const dataBytes = db.files.filter((f) => f.type === 'ROWS').reduce((sum, f) => sum + f.sizeBytes, 0);
    add('Data File(s) Size (KB)', db.name, dataBytes / KB, LARGE_RAWCOUNT);
    add('Log File(s) Size (KB)', db.name, space.sizeBytes / KB, LARGE_RAWCOUNT);
    add('Log File(s) Used Size (KB)', db.name, space.usedBytes / KB, LARGE_RAWCOUNT);
    add('Percent Log Used', db.name, Math.floor(space.usedPercent), LARGE_RAWCOUNT);
    add('Active Transactions', db.name, 0, LARGE_RAWCOUNT);
    add('Transactions/sec', db.name, db.transactionCount ?? 0, BULK_COUNT);
    add('Log Flushes/sec', db.name, db.logFlushes ?? 0, BULK_COUNT);
    add('Log Bytes Flushed/sec', db.name, db.logBytesFlushed ?? 0, BULK_COUNT);
  }
  for (const [counter, t] of total) {
    // _Total's Percent Log Used is the whole log's fill, not a sum of percents
    const value =
      counter === 'Percent Log Used'
        ? Math.floor((100 * (total.get('Log File(s) Used Size (KB)')?.value ?? 0)) / Math.max(1, total.get('Log File(s) Size (KB)')?.value ?? 1))
        : t.value;
    rows.push({ object: 'Databases', counter, instance: '_Total', value, type: t.type });
  }
  return rows;
}

export function dmOsPerformanceCounters(scope: CatalogScope) {
  // a default instance names its objects SQLServer:...; a managed instance too (UNCONFIRMED)
  const prefix = 'SQLServer:';
  return view<PerfCounterRow>(
    [
      c.nvarchar('object_name', 128, (r) => pad(prefix + r.object), false),
      c.nvarchar('counter_name', 128, (r) => pad(r.counter), false),
      c.nvarchar('instance_name', 128, (r) => pad(r.instance), true),
      c.bigint('cntr_value', (r) => r.value),
      c.int('cntr_type', (r) => r.type),
    ],
    () => [
      { object: 'General Statistics', counter: 'User Connections', instance: '', value: scope.instance.sessions().filter((s) => s.connection).length, type: LARGE_RAWCOUNT },
      ...databaseCounters(scope),
      ...(scope.instance.hadr.counters ?? []),
    ],
  );
}

/** TDS 7.4 as protocol_version shows it (the LOGINACK value, read as an int) */
export function dmExecConnections(scope: CatalogScope) {
  return view<SessionInfo>(
    [
      c.int('session_id', (s) => s.spid, true),
      c.int('most_recent_session_id', (s) => s.spid, true),
      c.datetime('connect_time', (s) => s.connection?.connectTime ?? null, false),
      c.nvarchar('net_transport', 40, () => 'TCP', false),
      c.nvarchar('protocol_type', 40, () => 'TSQL'),
      c.int('protocol_version', (s) => s.connection?.tdsVersion ?? null, true),
      c.int('endpoint_id', () => 4, true),
      c.nvarchar('encrypt_option', 40, (s) => (s.connection?.encrypted ? 'TRUE' : 'FALSE'), false),
      c.nvarchar('auth_scheme', 40, () => 'SQL', false),
      c.smallint('node_affinity', () => 0, false),
      c.int('num_reads', (s) => s.connection?.reads ?? 0, true),
      c.int('num_writes', (s) => s.connection?.writes ?? 0, true),
      c.datetime('last_read', (s) => s.lastRequestStart() ?? s.connection?.connectTime ?? null),
      c.datetime('last_write', (s) => s.lastRequestEnd() ?? s.connection?.connectTime ?? null),
      c.int('net_packet_size', (s) => s.connection?.packetSize ?? null, true),
      c.varchar('client_net_address', 48, (s) => s.connection?.clientAddress ?? null),
      c.int('client_tcp_port', (s) => s.connection?.clientPort ?? null, true),
      c.varchar('local_net_address', 48, (s) => s.connection?.localAddress ?? null),
      c.int('local_tcp_port', (s) => s.connection?.localPort ?? null, true),
      c.guid('connection_id', (s) => s.connection?.connectionId ?? null, false),
      c.guid('parent_connection_id', () => null),
      c.varbinary('most_recent_sql_handle', 64, () => null),
    ],
    () => scope.instance.sessions().filter((s) => s.connection !== undefined),
  );
}
