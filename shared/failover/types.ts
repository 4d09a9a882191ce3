// The failover vocabulary: the playbooks a decision can name, the signals that ask for a decision,
// and the decision itself with every reason, which is stored and shown whatever it is.
import type { LinkState } from '../link/types';

export type LinkSide = 'sqlServer' | 'managedInstance';

/** the playbooks (REFERENCE 3): each is one resumable operation */
export type FailoverType = 'planned' | 'forced' | 'failback' | 'offline-failback' | 'cutover' | 'split-brain-repair';

/** The link-health sweep saw the link change state. */
export interface HealthSignal {
  kind: 'health';
  from: LinkState | undefined;
  to: LinkState;
  /** the version of the saved change (one signal per change, however often it is delivered) */
  version: number;
}

/** An Azure Monitor alert that an alert route sends to this link. */
export interface AlertSignal {
  kind: 'alert';
  alertId: string;
  alertRule: string;
  monitorCondition: 'Fired' | 'Resolved';
  severity: string;
  /** alertTargetIDs as sent (Azure often lower-cases them) */
  targetResourceIds: string[];
  /** the route that matched, and what it asks for */
  route: string;
  action: 'notify' | 'failover';
  summary: string;
}

/** A person asked for a playbook through the API. */
export interface ManualSignal {
  kind: 'manual';
  type: FailoverType;
  dryRun: boolean;
  by: string;
}

export type FailoverSignal = HealthSignal | AlertSignal | ManualSignal;

export type DecisionKind = 'none' | 'notify' | 'await-approval' | 'act';

export type DecisionReasonCode =
  | 'MANUAL_REQUEST'
  | 'RECOVERED'
  | 'DEGRADED_ONLY'
  | 'PRIMARY_UNREACHABLE'
  | 'PRIMARY_AVAILABLE'
  | 'SECONDARY_UNREACHABLE'
  | 'SPLIT_BRAIN'
  | 'ALERT_RESOLVED'
  | 'ALERT_NOTIFY_ROUTE'
  | 'ALERT_ON_SECONDARY'
  | 'HEALTH_DISAGREES'
  | 'NOT_SAMPLED'
  | 'TYPE_NOT_ALLOWED'
  | 'NOT_HEALTHY_FOR_PLANNED'
  | 'WRONG_DIRECTION'
  | 'ALREADY_RUNNING'
  | 'COOLDOWN'
  | 'WAITING_FOR_SIGNALS'
  | 'POLICY_NOTIFY'
  | 'POLICY_APPROVAL'
  | 'POLICY_AUTOMATIC'
  | 'WITHIN_BUDGET'
  | 'OVER_BUDGET'
  | 'ESTIMATE_UNKNOWN'
  | 'DRY_RUN';

export interface DecisionReason {
  code: DecisionReasonCode;
  message: string;
}

/** What the estimate of data at risk is made of (REFERENCE 4.2): the last good sample's RPO plus its age. */
export interface DataLossEstimate {
  seconds: number;
  /** the newest sample in which both sides answered */
  basedOnSampleAt: string;
  rpoSecondsAtSample: number;
  sampleAgeSeconds: number;
}

export interface FailoverDecision {
  link: string;
  kind: DecisionKind;
  /** the playbook this decision is about, when there is one */
  type?: FailoverType;
  /** the side that would become primary */
  toSide?: LinkSide;
  estimate?: DataLossEstimate;
  /** the policy's dry run: nothing is changed, the decision says what would have been done */
  dryRun: boolean;
  /** under a dry run, what the decision would have been */
  wouldBe?: DecisionKind;
  reasons: DecisionReason[];
  /** one plain sentence: the decision and its main reason */
  summary: string;
  /** one signal, one decision: health.v<version>, alert:<alertId>:<condition>, or manual:<by>:<time> */
  signalKey: string;
  decidedAt: string;
}

/** A failover operation of the link, as the decision needs to know it. */
export interface FailoverOperationView {
  id: string;
  type: FailoverType;
  state: 'pending' | 'running' | 'waiting' | 'awaiting-approval' | 'succeeded' | 'failed' | 'cancelled';
  createdAt: string;
  endedAt?: string;
}

/** What a stored decision says of the signal that asked for it. */
export interface SignalSummary {
  kind: FailoverSignal['kind'];
  /** one line: "health unknown -> broken", "alert mi-cpu Fired (Sev1)", "manual planned by ana" */
  description: string;
}

/** A decision as stored and shown (GET /api/links/{name}/decisions): every one, "nothing" included. */
export interface StoredDecision extends FailoverDecision {
  signal: SignalSummary;
  /** the operation the decision started (act, await-approval), when it started one */
  operationId?: string;
  /** how many times the same signal was delivered (1: once) */
  deliveries: number;
}

/** One verdict of a playbook's checks (prechecks, verification): shown in dry runs and outputs. */
export interface FailoverCheck {
  code: string;
  ok: boolean;
  message: string;
}

/** What a failover operation did or (dry run) would do, and in what state it left each side. */
export interface FailoverOutput {
  link: string;
  type: FailoverType;
  dryRun: boolean;
  /** the side the playbook made (or, dry run, would make) primary */
  toSide?: LinkSide;
  /** the steps, in order, as a DBA would read them */
  plan: string[];
  checks: FailoverCheck[];
  estimate?: DataLossEstimate;
  /** each side's role and availability mode as read at the end */
  sides?: Record<LinkSide, { instance: string; role?: string; availabilityMode?: string }>;
  /** what the playbook did, in order, with times */
  actions: Array<{ at: string; what: string }>;
  redirect?: { fqdn: string; previous?: string; current: string; changed: boolean };
  /** diverged data preserved before a demotion (split-brain repair) */
  preserved?: Array<{ database: string; blobUrl: string; firstLsn: string; lastLsn: string }>;
  /** what a person still has to do (offline failback: the link's re-creation) */
  followUp?: string[];
}
