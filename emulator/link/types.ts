// The Managed Instance link's vocabulary: the two sides of the distributed availability group, the
// per-database replication state, and the records of data lost in forced failovers.
import type { Database, InstanceKind } from '../engine/model';
import type { HadrState } from '../engine/hadr';

/** ARM's names for the two sides: the partner is the SQL Server AG, the instance is the managed instance */
export type LinkSideName = 'partner' | 'instance';
export type LinkRole = 'PRIMARY' | 'SECONDARY';
export type AvailabilityMode = 'ASYNCHRONOUS_COMMIT' | 'SYNCHRONOUS_COMMIT';

/** A backup the instance took (msdb.dbo.backupset): what a diverged primary's log was preserved in. */
export interface LinkBackupRecord {
  backupSetGuid: string;
  databaseName: string;
  /** msdb type: D = full, I = differential, L = log */
  type: 'D' | 'I' | 'L';
  isCopyOnly: boolean;
  firstLsn: bigint;
  lastLsn: bigint;
  backupFinishDate: Date;
}

/** What the link needs from an emulated instance (EmulatedInstance satisfies it). */
export interface LinkHost {
  readonly config: { readonly name: string; readonly kind: InstanceKind };
  readonly serverName: string;
  readonly hadr: HadrState;
  /** where the instance's HADR views come from: the registry computes them on demand */
  hadrSource?: () => HadrState;
  findDatabase(name: string): Database | undefined;
  /** msdb's backup history, to say whether lost log was preserved in a backup first */
  readonly backupHistory?: readonly LinkBackupRecord[];
  /** the instance is down (the admin API's instanceDown): its endpoint takes no connections */
  isDown?(): boolean;
}

/**
 * One side's own setting of the DAG: the availability mode it has for each member (its
 * sys.availability_replicas rows). T-SQL on SQL Server changes SQL Server's; ARM PATCH the managed
 * instance's. The link commits synchronously only when both sides say synchronous for both.
 */
export type SideModes = Record<LinkSideName, AvailabilityMode>;

export interface EndpointCertificate {
  name: string;
  expiryDate: Date;
}

export interface LinkSideOptions {
  host: LinkHost;
  /** the AG name on SQL Server, or the managed instance name (sys.availability_replicas.replica_server_name in the DAG) */
  availabilityGroupName: string;
  endpointUrl: string;
}

export interface NetworkProfile {
  /** KB per second the link carries */
  bandwidthKBps: number;
  /** one-way latency: a block sent at t is hardened on the secondary at t + latency */
  latencyMs: number;
}

export interface LinkOptions {
  name: string;
  partner: LinkSideOptions;
  instance: LinkSideOptions;
  databases: string[];
  /** which side starts as primary (the partner, SQL Server, by default) */
  primary?: LinkSideName;
  availabilityMode?: AvailabilityMode;
  /** ARM failoverMode: Manual = two-way link, None = one-way (migration) */
  failoverMode?: 'Manual' | 'None';
  seedingMode?: 'Automatic' | 'Manual';
  network?: Partial<NetworkProfile>;
  /** KB per second the secondary redoes */
  redoRateKBps?: number;
  /** bytes of log per record (a small OLTP transaction writes four) */
  bytesPerRecord?: number;
  /** start with seeding done (the default) or seed the databases' data first */
  seeded?: boolean;
  /** SQL Server's endpoint certificate (ARM partnerAuthCertValidity) */
  partnerCertificate?: EndpointCertificate;
  now: Date;
  /** fixed ids (tests, estate files); random otherwise */
  groupId?: string;
  partnerReplicaId?: string;
  instanceReplicaId?: string;
}

/** A bytes counter and its rate over a window of simulated time (DMV rates: KB/s "during the last active period"). */
export interface RateMeter {
  total: number;
  /** [time ms, total] samples, at least a second apart, oldest first */
  samples: [number, number][];
  /** bytes per second over the last window with activity */
  lastRate: number;
}

/** Hardened log not yet redone on the secondary (the redo queue), in LSN order. */
export interface RedoItem {
  toLsn: bigint;
  bytes: number;
  /** bytes of it still to redo */
  left: number;
  committedAt: Date;
}

/** What the primary last heard from the secondary (progress messages): stale while they are cut off. */
export interface PrimaryView {
  lastReceived?: LsnMark;
  lastHardened?: LsnMark;
  lastRedone?: LsnMark;
  /** the secondary's end of log */
  endOfLogLsn?: bigint;
  /** commit time of the last transaction the secondary hardened (lag) */
  hardenedCommitTime?: Date;
  /** the last commit the secondary redid (its last_commit_lsn / time) */
  redoneCommit?: LsnMark;
  redoQueueBytes: number;
  redoRateBytes: number;
}

/** What the secondary last heard from the primary: stale while they are cut off. */
export interface SecondaryView {
  lastSent?: LsnMark;
  endOfLogLsn?: bigint;
  sendQueueBytes: number;
  sendRateBytes: number;
}

/** An automatic seeding operation (sys.dm_hadr_automatic_seeding, sys.dm_hadr_physical_seeding_stats). */
export interface SeedingRecord {
  operationId: string;
  remoteOperationId: string;
  startedAt: Date;
  completedAt?: Date;
  state: 'SEEDING' | 'COMPLETED' | 'FAILED';
  attempts: number;
  totalBytes: number;
  doneBytes: number;
  failureCode?: number;
  failureMessage?: string;
  failedAt?: Date;
}

/** Log generated on the primary and not yet hardened on the secondary. */
export interface LogChunk {
  fromLsn: bigint;
  toLsn: bigint;
  bytes: number;
  transactions: number;
  committedAt: Date;
  sentBytes: number;
  /** when its last byte left the primary */
  sentAt?: Date;
}

export interface LsnMark {
  lsn: bigint;
  time: Date;
}

export interface DatabaseLinkState {
  name: string;
  /** log on the current primary, in LSN order, not yet hardened on the secondary */
  pending: LogChunk[];
  /** the primary's end of log the link has already turned into chunks */
  observedLsn: bigint;
  /** the side whose log `pending` holds */
  sourceSide: LinkSideName;
  lastSent?: LsnMark;
  lastReceived?: LsnMark;
  lastHardened?: LsnMark;
  lastRedone?: LsnMark;
  /** commit time of the last transaction hardened on the secondary */
  secondaryCommitTime?: Date;
  /** commit time of the last transaction on the primary */
  primaryCommitTime?: Date;
  redoQueueBytes: number;
  /** bytes sent per second over the last step */
  sendRateBytes: number;
  seeding?: { totalBytes: number; doneBytes: number };
  /** set by a forced failover: the LSN where the new primary's history left the old one's */
  forkLsn?: bigint;
  /** the application's transactions per second: they follow the primary role */
  workloadTps: number;
  /** the last LSN a forced failover already recorded as lost (a later demotion counts from there) */
  lostThroughLsn?: bigint;
  // ---- added with the per-side views (absent in older state files: defaults apply) ----
  /** hardened log waiting for redo on the secondary; redoQueueBytes is its sum */
  redo?: RedoItem[];
  /** the secondary's last redone commit */
  redoneCommit?: LsnMark;
  /** bytes sent, received (hardened) and redone, with their measured rates */
  sent?: RateMeter;
  received?: RateMeter;
  redone?: RateMeter;
  primaryView?: PrimaryView;
  secondaryView?: SecondaryView;
  /** the primary's end of log when it became primary (recovery_lsn) */
  recoveryLsn?: bigint;
  /** seeding operations of this database, the running one last */
  seedingHistory?: SeedingRecord[];
  // ---- forced failover and its aftermath (absent in older state files) ----
  /** the side that still claimed PRIMARY when the other was forced up: suspended once it is demoted */
  suspendOnDemotion?: LinkSideName;
  /** the old primary's own log after the fork, while it still claims PRIMARY (its DMV row shows it) */
  divergence?: Divergence;
  /** data movement held on one side (is_suspended) until ALTER DATABASE ... SET HADR RESUME */
  suspended?: SuspendedMovement;
  /** a resumed secondary undoing its diverged log back to the fork (REVERTING) */
  reverting?: RevertingDatabase;
}

/** What the split-brain old primary knows of its own log after the fork. */
export interface Divergence {
  side: LinkSideName;
  /** its recovery_lsn from before the forced failover */
  recoveryLsn?: bigint;
  /** its last commit after the fork (last_commit_lsn / _time of its own row) */
  lastCommit?: LsnMark;
}

/** sys.dm_hadr_database_replica_states.is_suspended / suspend_reason_desc */
export interface SuspendedMovement {
  side: LinkSideName;
  /** SUSPEND_FROM_PARTNER: after a forced failover (the docs' wording); SUSPEND_FROM_USER: SET HADR SUSPEND */
  reason: 'SUSPEND_FROM_PARTNER' | 'SUSPEND_FROM_USER';
  at: Date;
}

export interface RevertingDatabase {
  side: LinkSideName;
  /** when the undo is done and the database synchronizes from the fork */
  until: Date;
}

/** Transactions a role change threw away: the unhardened tail of a forced failover, or a demoted primary's diverged log. */
export interface LostData {
  database: string;
  reason: 'forcedFailover' | 'divergedPrimaryDemoted';
  /** the side whose log was thrown away */
  side: LinkSideName;
  /** exclusive: the last LSN both sides share */
  afterLsn: bigint;
  /** inclusive: the last LSN that was lost */
  throughLsn: bigint;
  transactions: number;
  bytes: number;
  firstCommitTime?: Date;
  lastCommitTime?: Date;
  at: Date;
  /** backups the side took of the lost log before it was thrown away (a tail-log or COPY_ONLY backup) */
  preservedIn?: { backupSetGuid: string; type: 'D' | 'I' | 'L'; lastLsn: bigint }[];
  /**
   * how much of it those backups hold: 'all' when one reaches throughLsn, 'some' when they stop
   * short of it (log written after the backup), 'none' when no backup past afterLsn was taken
   * (set when the loss is recorded from the side's own log: a demoted primary, or a forced
   * failover's unhardened tail once its old primary reverts)
   */
  preserved?: 'all' | 'some' | 'none';
}

/** A link error (REFERENCE 3.9): the link does not replicate and reports it. */
export interface LinkErrorState {
  number: number;
  description: string;
  /** ARM replicaState: LinkInitError, LinkCreationError ... */
  replicaState: string;
  at: Date;
}

/** A point-in-time view of one database in the link, from the primary's side (what it knows). */
export interface DatabaseLinkSnapshot {
  name: string;
  primarySide: LinkSideName | undefined;
  synchronizationState: 'NOT SYNCHRONIZING' | 'SYNCHRONIZING' | 'SYNCHRONIZED' | 'REVERTING' | 'INITIALIZING';
  synchronizationHealth: 'NOT_HEALTHY' | 'PARTIALLY_HEALTHY' | 'HEALTHY';
  connected: boolean;
  /** the primary's end of log */
  endOfLogLsn: bigint;
  lastSent?: LsnMark;
  lastReceived?: LsnMark;
  lastHardened?: LsnMark;
  lastRedone?: LsnMark;
  primaryCommitTime?: Date;
  secondaryCommitTime?: Date;
  logSendQueueKB: number;
  logSendRateKBps: number;
  redoQueueKB: number;
  redoRateKBps: number;
  /** seconds the secondary's last hardened commit is behind the primary's last commit */
  secondaryLagSeconds: number;
  /** ARM replicaState */
  replicaState: string;
  seedingPercent: number;
  mostRecentLinkError: string;
}
