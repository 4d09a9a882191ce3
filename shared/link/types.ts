// A Managed Instance link's health, as the monitor sees it: what each side said in one sample, the
// numbers derived from it, and the state the link is in (with hysteresis). Plain data: the sampler
// fills it, the pure evaluator judges it, the store keeps it.

export type LinkState = 'healthy' | 'degraded' | 'broken' | 'unknown';

/** Why a link is not healthy: a vocabulary of its own, apart from the error catalog (README "Link health"). */
export const LINK_REASON_CODES = [
  'INSTANCE_UNREACHABLE',
  'LINK_MISSING',
  'SPLIT_BRAIN',
  'ROLE_DRIFT',
  'DISCONNECTED',
  'NOT_SYNCHRONIZING',
  'STALLED',
  'LINK_ERROR',
  'SEEDING',
  'LAG_ABOVE_THRESHOLD',
  'CERTIFICATE_EXPIRING',
  'LOG_FILLING',
] as const;

export type LinkReasonCode = (typeof LINK_REASON_CODES)[number];

export interface LinkReason {
  code: LinkReasonCode;
  /** the state this reason alone puts the link in */
  severity: Exclude<LinkState, 'healthy'>;
  /** a sentence a DBA reads at night */
  message: string;
  database?: string;
  /** the side a reason is about (INSTANCE_UNREACHABLE: which instance did not answer) */
  side?: 'sqlServer' | 'managedInstance';
}

export type ReplicaRole = 'PRIMARY' | 'SECONDARY' | 'RESOLVING';

/** One database of the link as one side's DMVs show it (absent numbers: that side cannot know them). */
export interface DatabaseReplicaView {
  database: string;
  /** the row is this side's own replica (is_local = 1), or the remote one as the primary sees it */
  local: boolean;
  synchronizationState?: string;
  synchronizationHealth?: string;
  isSuspended?: boolean;
  secondaryLagSeconds?: number;
  logSendQueueKb?: number;
  logSendRateKbps?: number;
  redoQueueKb?: number;
  redoRateKbps?: number;
  lastCommitTime?: string;
  lastHardenedLsn?: string;
  endOfLogLsn?: string;
}

/** What one instance's DMVs say of one link. */
export interface SideView {
  instance: string;
  /** this side's own replica role in the distributed availability group */
  role?: ReplicaRole;
  /** the other side as this side sees it (only a primary sees its secondary) */
  remoteConnected?: boolean;
  remoteHealth?: string;
  lastConnectError?: { number: number; description: string; at?: string };
  databases: DatabaseReplicaView[];
  /** seeding in progress on this instance, per database (lower case), in percent */
  seeding?: Record<string, number>;
}

/** What a SQL Server instance says beside its DMVs: its endpoint certificate and its logs. */
export interface SqlServerExtras {
  /** the endpoint (mirroring) certificate's expiry */
  certificateExpiry?: string;
  certificateName?: string;
  /** percent of the log used, per database */
  logUsedPercent: Record<string, number>;
}

/** What ARM says of the link (the managed instance's view). */
export interface ArmLinkView {
  replicationMode?: string;
  instanceLinkRole?: string;
  partnerLinkRole?: string;
  databases: Array<{
    database: string;
    replicaState?: string;
    synchronizationHealth?: string;
    connectedState?: string;
    mostRecentLinkError?: string;
    seedingProgress?: string;
    certificateExpiry?: string;
    instanceSendReplicationLagSeconds?: number;
  }>;
}

/** An instance that could not be read in this sample, and why. */
export interface Unreachable {
  unreachable: string;
}

/**
 * One link in one sweep. For each source: what it said, that it could not be read, or null when it
 * answered and knows no such link; `arm` is undefined when the app has no ARM to ask.
 */
export interface LinkSample {
  link: string;
  at: string;
  sqlServer: SideView | Unreachable | null;
  sqlServerExtras?: SqlServerExtras;
  managedInstance: SideView | Unreachable | null;
  arm?: ArmLinkView | Unreachable | null;
}

export const isUnreachable = (v: unknown): v is Unreachable => typeof v === 'object' && v !== null && typeof (v as Unreachable).unreachable === 'string';

/** The numbers a DBA watches, the worst database's. */
export interface LinkMetrics {
  /** which side is primary now, when known */
  primary?: 'sqlServer' | 'managedInstance';
  roles: { sqlServer?: ReplicaRole; managedInstance?: ReplicaRole };
  lagSeconds?: number;
  /** estimated data at risk: the primary's last commit minus the secondary's (REFERENCE 4.2) */
  rpoSeconds?: number;
  /** estimated redo time: redo queue / redo rate on the secondary */
  rtoSeconds?: number;
  logSendQueueKb?: number;
  redoQueueKb?: number;
  perDatabase: Array<{ database: string; lagSeconds?: number; rpoSeconds?: number; rtoSeconds?: number; logSendQueueKb?: number; redoQueueKb?: number; hardenedLsn?: string; endOfLogLsn?: string }>;
}

/** One sample, judged: the state it points at, why, and the numbers. */
export interface Observation {
  observed: LinkState;
  reasons: LinkReason[];
  metrics: LinkMetrics;
  /** what could not be checked in this sample without changing the state (ARM not answering) */
  notes: string[];
}

/** What the monitor keeps per link between samples. */
export interface LinkHealthRecord {
  link: string;
  state: LinkState;
  /** when the link entered this state */
  since: string;
  reasons: LinkReason[];
  message: string;
  metrics: LinkMetrics;
  notes: string[];
  /** what the last sample alone said */
  observed: LinkState;
  /** consecutive samples, ending with the last, that were not healthy / broken / healthy / not broken / unknown or broken */
  runs: {
    notHealthy: number;
    broken: number;
    healthy: number;
    notBroken: number;
    /** unknown or broken: the failure signals a failover policy counts (consecutiveSignals) */
    failing?: number;
  };
  sampledAt: string;
  /** increases by one per saved change; events are keyed by it */
  version: number;
}

export interface LinkThresholds {
  maxLagSeconds: number;
  maxLogSendQueueKb: number;
  maxRedoQueueKb: number;
  samplesToChange: number;
  certificateWarningDays: number;
  maxLogUsedPercent: number;
  confirmSeconds: number;
}
