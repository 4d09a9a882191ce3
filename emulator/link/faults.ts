// Per-link failure injection, shared by the admin API (POST /instances/{name}/links/{link}/faults)
// and the estate file (links[].faults). Each fault is a change the link undergoes and, where it
// makes sense, undoes when the fault is cleared:
//   partition          no traffic either way (35206 on the established connection)
//   slowRedo           the secondary redoes at most redoRateKBps
//   stalledRedo        the secondary stops applying log: nothing more is hardened or redone while
//                      the primary's end of log moves on; the replicas stay CONNECTED
//   certificateExpiry  SQL Server's endpoint certificate expires on a date (ARM's
//                      partnerAuthCertValidity follows); cleared: the certificate is rotated back
//   linkError          a link error of REFERENCE 3.9 (LinkInitError / LinkCreationError)
//   splitBrain         the secondary is forced to primary while the primary keeps its role, as a
//                      forced failover during a partition leaves it; cleared: the old primary is
//                      demoted (SET (ROLE = SECONDARY)) and resumed (SET HADR RESUME): it reverts
//                      its diverged log, recorded as lost, and synchronizes
import type { EndpointCertificate, LinkSideName } from './types';
import type { ManagedInstanceLink } from './link';
import { LinkRefusal } from './refusal';

export type LinkFaultSpec =
  | { kind: 'partition' }
  | { kind: 'slowRedo'; redoRateKBps: number }
  | { kind: 'stalledRedo' }
  | { kind: 'certificateExpiry'; expiresInDays?: number; expiryDate?: string }
  | { kind: 'linkError'; errorNumber: number; message?: string }
  | { kind: 'splitBrain' };

export type LinkFaultKind = LinkFaultSpec['kind'];
export const LINK_FAULT_KINDS: readonly LinkFaultKind[] = ['partition', 'slowRedo', 'stalledRedo', 'certificateExpiry', 'linkError', 'splitBrain'];

/** an active fault with what clearing it needs */
export interface ActiveLinkFault {
  spec: LinkFaultSpec;
  at: Date;
  /** certificateExpiry: the certificate before */
  previousCertificate?: EndpointCertificate;
  /** splitBrain: the side that was primary and still claims it */
  stalePrimary?: LinkSideName;
}

/**
 * The link errors REFERENCE 3.9 names, with the ARM replicaState they come with. The texts say what
 * the troubleshooting guide says each number means: UNCONFIRMED wording of the real messages.
 */
export const LINK_ERRORS: Record<number, { replicaState: string; message: string }> = {
  41962: { replicaState: 'LinkInitError', message: 'The link was not initiated within 5 minutes. Check the network connectivity between SQL Server and the managed instance.' },
  41973: { replicaState: 'LinkInitError', message: "SQL Server's endpoint certificate was not imported into the managed instance." },
  41974: { replicaState: 'LinkInitError', message: "The managed instance's certificate was not imported into SQL Server." },
  41976: { replicaState: 'LinkInitError', message: 'The availability group on SQL Server is not responding.' },
  41986: { replicaState: 'LinkInitError', message: 'The link connection failed: the secondary replica is not responsive.' },
  47521: { replicaState: 'LinkInitError', message: 'The secondary replica did not receive the request.' },
  41977: { replicaState: 'LinkCreationError', message: 'The target database is not responsive.' },
};

const DAY_MS = 86_400_000;

/** checks a fault that came from JSON; throws a RangeError naming the bad field */
export function validateLinkFault(value: unknown): asserts value is LinkFaultSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RangeError('a link fault must be a JSON object with a "kind"');
  const f = value as Record<string, unknown>;
  if (typeof f.kind !== 'string' || !LINK_FAULT_KINDS.includes(f.kind as LinkFaultKind)) throw new RangeError(`link fault "kind" must be one of ${LINK_FAULT_KINDS.join(', ')}`);
  switch (f.kind) {
    case 'slowRedo':
      if (typeof f.redoRateKBps !== 'number' || !(f.redoRateKBps > 0)) throw new RangeError('slowRedo: "redoRateKBps" must be a number > 0');
      break;
    case 'certificateExpiry': {
      const days = f.expiresInDays;
      const date = f.expiryDate;
      if (days !== undefined && (typeof days !== 'number' || !Number.isFinite(days))) throw new RangeError('certificateExpiry: "expiresInDays" must be a number (days from now, may be negative)');
      if (date !== undefined && (typeof date !== 'string' || Number.isNaN(Date.parse(date)))) throw new RangeError('certificateExpiry: "expiryDate" must be an ISO date-time');
      if (days !== undefined && date !== undefined) throw new RangeError('certificateExpiry: give "expiresInDays" or "expiryDate", not both');
      break;
    }
    case 'linkError': {
      const n = f.errorNumber;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new RangeError('linkError: "errorNumber" must be an error number');
      if (f.message !== undefined && typeof f.message !== 'string') throw new RangeError('linkError: "message" must be a string');
      if (!LINK_ERRORS[n] && f.message === undefined) throw new RangeError(`linkError: ${n} is not a link error of REFERENCE 3.9 (${Object.keys(LINK_ERRORS).join(', ')}); give a "message" for another number`);
      break;
    }
    default:
      break;
  }
}

/** a fault turned on; what it changes beyond the link itself goes through `setEndpointCertificate` */
export function applyLinkFault(
  link: ManagedInstanceLink,
  spec: LinkFaultSpec,
  now: Date,
  setEndpointCertificate: (cert: EndpointCertificate) => void,
): ActiveLinkFault {
  validateLinkFault(spec);
  if (link.faults.some((f) => f.spec.kind === spec.kind)) clearLinkFault(link, spec.kind, now, setEndpointCertificate);
  const active: ActiveLinkFault = { spec: { ...spec }, at: now };
  switch (spec.kind) {
    case 'partition':
      link.setPartitioned(true, now);
      break;
    case 'slowRedo':
      link.setRedoFault({ ...link.redoFault, capKBps: spec.redoRateKBps }, now);
      break;
    case 'stalledRedo':
      link.setRedoFault({ ...link.redoFault, stalled: true }, now);
      break;
    case 'certificateExpiry': {
      active.previousCertificate = { ...link.partnerCertificate };
      const expiry = spec.expiryDate !== undefined ? new Date(spec.expiryDate) : new Date(now.getTime() + (spec.expiresInDays ?? 10) * DAY_MS);
      setEndpointCertificate({ name: link.partnerCertificate.name, expiryDate: expiry });
      break;
    }
    case 'linkError': {
      const known = LINK_ERRORS[spec.errorNumber];
      link.setLinkError({ number: spec.errorNumber, description: spec.message ?? known.message, replicaState: known?.replicaState ?? 'LinkInitError' }, now);
      break;
    }
    case 'splitBrain': {
      const primary = link.primary();
      if (!primary) throw new LinkRefusal('notSynchronized', 'the link has no single primary to split');
      const target = link.other(primary.name).name;
      link.forceFailover(target, now, false);
      active.stalePrimary = primary.name;
      break;
    }
  }
  link.faults.push(active);
  return active;
}

/** turns a fault off (undoing it as described above); false when it was not on */
export function clearLinkFault(link: ManagedInstanceLink, kind: LinkFaultKind, now: Date, setEndpointCertificate: (cert: EndpointCertificate) => void): boolean {
  const i = link.faults.findIndex((f) => f.spec.kind === kind);
  if (i < 0) return false;
  const [active] = link.faults.splice(i, 1);
  switch (kind) {
    case 'partition':
      link.setPartitioned(false, now);
      break;
    case 'slowRedo':
      link.setRedoFault({ ...link.redoFault, capKBps: undefined }, now);
      break;
    case 'stalledRedo':
      link.setRedoFault({ ...link.redoFault, stalled: false }, now);
      break;
    case 'certificateExpiry':
      if (active.previousCertificate) setEndpointCertificate(active.previousCertificate);
      break;
    case 'linkError':
      link.setLinkError(undefined, now);
      break;
    case 'splitBrain': {
      // the DBA's repair in one step: demote the old primary, then resume its suspended databases
      const stale = active.stalePrimary;
      if (stale && link.isSplitBrain()) {
        link.setRoleSecondary(stale, now);
        for (const name of link.databaseNames()) link.resumeDatabase(stale, name, now);
      }
      break;
    }
  }
  return true;
}
