// The Managed Instance link's vocabulary: the two sides of the distributed availability group, the
// per-database replication state, and the records of data lost in forced failovers.
import type { Database, InstanceKind } from '../engine/model';
import type { HadrState } from '../engine/hadr';

/** ARM's names for the two sides: the partner is the SQL Server AG, the instance is the managed instance */
export type LinkSideName = 'partner' | 'instance';
export type LinkRole = 'PRIMARY' | 'SECONDARY';
export type AvailabilityMode = 'ASYNCHRONOUS_COMMIT' | 'SYNCHRONOUS_COMMIT';

/** What the link needs from an emulated instance (EmulatedInstance satisfies it). */
export interface LinkHost {
  readonly config: { readonly name: string; readonly kind: InstanceKind };
  readonly serverName: string;
  readonly hadr: HadrState;
  /** where the instance's HADR views come from: the registry computes them on demand */
  hadrSource?: () => HadrState;
  findDatabase(name: string): Database | undefined;
}

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
