// What the instance knows about each connected (or background) session: enough for
// sys.dm_exec_sessions / dm_exec_requests, KILL, SINGLE_USER and "database in use" checks.
import type { ConnectionDetails } from '../tds/types';

/** the statement a session is running right now, as sys.dm_exec_requests shows it */
export interface RunningStatement {
  requestId: number;
  command: string;
  startTime: Date;
  status: 'running' | 'suspended' | 'runnable' | 'background';
  waitType: string | null;
  /** the database the statement runs in */
  databaseName: string;
}

/** the TCP connection behind a user session (sys.dm_exec_connections): what the login arrived on, and since when */
export interface SessionConnection extends ConnectionDetails {
  connectTime: Date;
  connectionId: string;
  /** requests read and responses written on it */
  reads: number;
  writes: number;
}

export interface SessionInfo {
  readonly spid: number;
  readonly loginName: string;
  readonly hostName: string;
  readonly programName: string;
  readonly loginTime: Date;
  /** false for the instance's own background sessions (none today) */
  readonly isUserProcess: boolean;
  /** the client connection; none for background sessions (SQL Agent jobs) */
  readonly connection?: SessionConnection;
  currentDatabase(): string;
  currentStatement(): RunningStatement | undefined;
  lastRequestStart(): Date | undefined;
  lastRequestEnd(): Date | undefined;
  tranCount(): number;
  /**
   * KILL, ROLLBACK IMMEDIATE ('kill', the default: a running request fails with 596, the connection
   * is closed) or the connection lost ('lost': the instance going down; reset when next used)
   */
  kill(how?: 'kill' | 'lost'): void;
}
