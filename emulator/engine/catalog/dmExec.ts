// sys.dm_exec_requests and sys.dm_exec_sessions: live views over the instance's sessions, the
// statements they run, and the long requests (BACKUP/RESTORE) registered by emulator/backup.
import type { SessionInfo } from '../sessionInfo';
import { c, view } from './columns';
import type { CatalogScope } from './scope';

interface RequestRow {
  sessionId: number;
  requestId: number;
  startTime: Date;
  status: string;
  command: string;
  databaseId: number | null;
  waitType: string | null;
  percentComplete: number;
  estimatedCompletionTime: number;
  openTransactionCount: number;
  elapsedMs: number;
}

function requestRows(scope: CatalogScope): RequestRow[] {
  const inst = scope.instance;
  const now = inst.now().getTime();
  const dbId = (name: string): number | null => inst.findDatabase(name)?.databaseId ?? null;
  const rows: RequestRow[] = [];
  const registered = inst.activeRequests();
  for (const s of inst.sessions()) {
    const st = s.currentStatement();
    if (!st) continue;
    // a BACKUP/RESTORE registered by emulator/backup carries the progress: show that row instead
    if (registered.some((r) => r.sessionId === s.spid && r.requestId === st.requestId)) continue;
    rows.push({
      sessionId: s.spid,
      requestId: st.requestId,
      startTime: st.startTime,
      status: st.status,
      command: st.command,
      databaseId: dbId(st.databaseName),
      waitType: st.waitType,
      percentComplete: 0,
      estimatedCompletionTime: 0,
      openTransactionCount: s.tranCount(),
      elapsedMs: now - st.startTime.getTime(),
    });
  }
  for (const r of registered) {
    rows.push({
      sessionId: r.sessionId,
      requestId: r.requestId,
      startTime: r.startTime,
      status: r.status,
      command: r.command,
      databaseId: dbId(r.databaseName),
      waitType: r.command.startsWith('BACKUP') || r.command.startsWith('RESTORE') ? 'BACKUPTHREAD' : null,
      percentComplete: r.percentComplete,
      estimatedCompletionTime: r.estimatedCompletionTime,
      openTransactionCount: inst.session(r.sessionId)?.tranCount() ?? 0,
      elapsedMs: now - r.startTime.getTime(),
    });
  }
  return rows.sort((a, b) => a.sessionId - b.sessionId || a.requestId - b.requestId);
}

export function dmExecRequests(scope: CatalogScope) {
  return view<RequestRow>(
    [
      c.smallint('session_id', (r) => r.sessionId),
      c.int('request_id', (r) => r.requestId),
      c.datetime('start_time', (r) => r.startTime, false),
      c.nvarchar('status', 30, (r) => r.status, false),
      c.nvarchar('command', 32, (r) => r.command, false),
      c.varbinary('sql_handle', 64, () => null),
      c.int('statement_start_offset', () => null, true),
      c.int('statement_end_offset', () => null, true),
      c.varbinary('plan_handle', 64, () => null),
      c.smallint('database_id', (r) => r.databaseId),
      c.int('user_id', () => 1),
      c.guid('connection_id', () => null),
      c.smallint('blocking_session_id', () => 0, true),
      c.nvarchar('wait_type', 60, (r) => r.waitType),
      c.int('wait_time', (r) => (r.waitType ? r.elapsedMs : 0)),
      c.nvarchar('last_wait_type', 60, (r) => r.waitType ?? 'MISCELLANEOUS', false),
      c.nvarchar('wait_resource', 256, () => '', false),
      c.int('open_transaction_count', (r) => r.openTransactionCount),
      c.int('open_resultset_count', () => 1),
      c.guid('transaction_id', () => null),
      c.real('percent_complete', (r) => r.percentComplete),
      c.bigint('estimated_completion_time', (r) => r.estimatedCompletionTime),
      c.int('cpu_time', () => 0),
      c.int('total_elapsed_time', (r) => r.elapsedMs),
      c.int('scheduler_id', () => 1, true),
      c.bigint('reads', () => 0),
      c.bigint('writes', () => 0),
      c.bigint('logical_reads', () => 0),
      c.smallint('transaction_isolation_level', () => 2),
      c.int('lock_timeout', () => -1),
      c.int('deadlock_priority', () => 0),
      c.bigint('row_count', () => 0),
      c.int('prev_error', () => 0),
      c.bigint('granted_query_memory', () => 0, true),
      c.int('dop', () => 1),
    ],
    () => requestRows(scope),
  );
}

export function dmExecSessions(scope: CatalogScope) {
  const inst = scope.instance;
  return view<SessionInfo>(
    [
      c.smallint('session_id', (s) => s.spid),
      c.datetime('login_time', (s) => s.loginTime, false),
      c.nvarchar('host_name', 128, (s) => s.hostName),
      c.nvarchar('program_name', 128, (s) => s.programName),
      c.int('host_process_id', () => null, true),
      c.int('client_version', () => 7, true),
      c.nvarchar('client_interface_name', 32, () => 'ODBC'),
      c.nvarchar('login_name', 128, (s) => s.loginName, false),
      c.nvarchar('nt_domain', 128, () => null),
      c.nvarchar('nt_user_name', 128, () => null),
      c.nvarchar('status', 30, (s) => (s.currentStatement() ? 'running' : 'sleeping'), false),
      c.int('cpu_time', () => 0),
      c.int('memory_usage', () => 2),
      c.int('total_scheduled_time', () => 0),
      c.int('total_elapsed_time', () => 0),
      c.datetime('last_request_start_time', (s) => s.lastRequestStart() ?? s.loginTime, false),
      c.datetime('last_request_end_time', (s) => s.lastRequestEnd() ?? null),
      c.bigint('reads', () => 0),
      c.bigint('writes', () => 0),
      c.bigint('logical_reads', () => 0),
      c.bit('is_user_process', (s) => (s.isUserProcess ? 1 : 0)),
      c.smallint('transaction_isolation_level', () => 2),
      c.int('lock_timeout', () => -1),
      c.int('deadlock_priority', () => 0),
      c.bigint('row_count', () => 0),
      c.int('prev_error', () => 0),
      c.nvarchar('original_login_name', 128, (s) => s.loginName, false),
      c.smallint('database_id', (s) => inst.findDatabase(s.currentDatabase())?.databaseId ?? 1),
      c.int('authenticating_database_id', () => 1),
      c.int('open_transaction_count', (s) => s.tranCount()),
    ],
    () => inst.sessions(),
  );
}
