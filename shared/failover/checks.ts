// Pure verdicts over one observation of both sides: the checks each playbook makes before it
// changes anything (a dry run shows them all), whether the last hardened LSNs match, and whether
// the roles are what a step expects. No I/O: the steps read the world and pass it here.
import type { LinkConfig } from '../config/schema';
import type { FailoverInput } from './input';
import { armUnreachable, type DatabaseSideState, type LinkObservation, type SideState } from './sides';
import type { FailoverCheck, FailoverType, LinkSide } from './types';

/** what the playbooks read beside the DMVs: versions, update policy, TDE protector */
export interface SideFacts {
  sqlServerMajorVersion?: number;
  /** ARM databaseFormat: SQLServer2022, SQLServer2025, AlwaysUpToDate */
  databaseFormat?: string;
  /** ARM encryption protector's serverKeyType: ServiceManaged or AzureKeyVault */
  protector?: string;
  /** the link's databases that are TDE-encrypted on the managed instance */
  encryptedDatabases?: string[];
  /** set when the facts could not be read */
  unreadable?: string;
}

export interface Precheck {
  checks: FailoverCheck[];
  /** the side that is primary now, and the side the playbook makes primary */
  from?: LinkSide;
  to?: LinkSide;
  replicas?: { sqlServer: string; managedInstance: string };
}

export const otherSide = (side: LinkSide): LinkSide => (side === 'sqlServer' ? 'managedInstance' : 'sqlServer');
const SIDE_WORD: Record<LinkSide, string> = { sqlServer: 'SQL Server', managedInstance: 'managed instance' };

class Checks {
  readonly list: FailoverCheck[] = [];
  add(code: string, ok: boolean, message: string): boolean {
    this.list.push({ code, ok, message });
    return ok;
  }
}

function reachable(c: Checks, s: SideState): boolean {
  if (s.unreachable) return c.add(`${s.side === 'sqlServer' ? 'SQL_SERVER' : 'MANAGED_INSTANCE'}_REACHABLE`, false, `${s.instance} does not answer: ${s.unreachable}`);
  if (s.missing) return c.add(`${s.side === 'sqlServer' ? 'SQL_SERVER' : 'MANAGED_INSTANCE'}_HAS_LINK`, false, `${s.instance} has no distributed availability group of this name`);
  return c.add(`${s.side === 'sqlServer' ? 'SQL_SERVER' : 'MANAGED_INSTANCE'}_REACHABLE`, true, `${s.instance} answers; its side of the link is ${s.role ?? 'of unknown role'}`);
}

function role(c: Checks, s: SideState, expected: 'PRIMARY' | 'SECONDARY'): boolean {
  return c.add(`ROLE_${s.side === 'sqlServer' ? 'SQL_SERVER' : 'MANAGED_INSTANCE'}`, s.role === expected, `${s.instance} is ${s.role ?? 'of unknown role'}${s.role === expected ? '' : `; the playbook needs it ${expected}`}`);
}

function synchronizing(c: Checks, link: LinkConfig, s: SideState): boolean {
  const bad = link.databases.filter((db) => {
    const d = s.databases.find((x) => x.database.toLowerCase() === db.toLowerCase());
    return !d || d.isSuspended || !['SYNCHRONIZING', 'SYNCHRONIZED'].includes(d.synchronizationState ?? '');
  });
  const describe = (db: string): string => {
    const d = s.databases.find((x) => x.database.toLowerCase() === db.toLowerCase());
    return d ? `${db} ${d.isSuspended ? 'suspended' : (d.synchronizationState ?? 'of unknown state')}` : `${db} not in the link`;
  };
  return c.add(`SYNCHRONIZING_${s.side === 'sqlServer' ? 'SQL_SERVER' : 'MANAGED_INSTANCE'}`, bad.length === 0, bad.length === 0 ? `on ${s.instance} every database of the link synchronizes` : `on ${s.instance}: ${bad.map(describe).join(', ')}`);
}

function replicaNames(obs: LinkObservation, link: LinkConfig): Precheck['replicas'] {
  const sqlName = obs.sqlServer.ownReplicaName ?? obs.managedInstance.partnerReplicaName ?? link.sqlServer.availabilityGroup;
  const miName = obs.sqlServer.partnerReplicaName ?? obs.managedInstance.ownReplicaName;
  return miName ? { sqlServer: sqlName, managedInstance: miName } : undefined;
}

/** The update policy and TDE: may data go from the managed instance to SQL Server 2022 (REFERENCE 3.3, 7)? */
function towardSqlServer(c: Checks, facts: SideFacts, names: { sql: string; mi: string }, required: boolean): boolean {
  if (facts.unreadable) return c.add('FAILBACK_FACTS', !required, `the update policy and TDE protector of ${names.mi} could not be read: ${facts.unreadable}`);
  const version = facts.sqlServerMajorVersion;
  const format = facts.databaseFormat;
  const wanted = version === 16 ? 'SQLServer2022' : version === 17 ? 'SQLServer2025' : undefined;
  const versionOk = version !== undefined && version >= 16;
  const policyOk = wanted !== undefined && format === wanted;
  const encrypted = facts.encryptedDatabases ?? [];
  // a service-managed key never leaves Azure: a database encrypted with it cannot go to SQL Server
  const tdeOk = !(facts.protector === 'ServiceManaged' && encrypted.length > 0);
  const parts = [
    versionOk ? `${names.sql} runs SQL Server ${version}.0` : `${names.sql} runs SQL Server ${version ?? '?'}.0; only SQL Server 2022 and later can take the primary role back through the link`,
    policyOk ? `${names.mi}'s update policy is ${format}` : `${names.mi}'s update policy is ${format ?? 'unknown'}; a way back to SQL Server ${version ?? '?'}.0 needs ${wanted ?? 'the SQL Server 2022 or 2025 policy'}`,
    tdeOk
      ? encrypted.length > 0
        ? `${encrypted.join(', ')} ${encrypted.length > 1 ? 'are' : 'is'} encrypted with a customer-managed key (${facts.protector}), which SQL Server must reach too`
        : `the link's databases are not TDE-encrypted (protector ${facts.protector ?? 'not known'})`
      : `${encrypted.join(', ')} ${encrypted.length > 1 ? 'are' : 'is'} encrypted with service-managed TDE, whose key never leaves Azure: SQL Server cannot decrypt it (switch the protector to a customer-managed key)`,
  ];
  const ok = versionOk && policyOk && tdeOk;
  return c.add(required ? 'FAILBACK_ALLOWED' : 'FAILBACK_PATH', ok || !required, required ? parts.join('; ') : ok ? `the way back stays open: ${parts.join('; ')}` : `the failover can go ahead, but a failback will not be possible: ${parts.join('; ')}`);
}

/** Every check of a playbook, before anything is changed. */
export function precheck(type: FailoverType, input: Pick<FailoverInput, 'keep'>, link: LinkConfig, obs: LinkObservation, facts: SideFacts): Precheck {
  const c = new Checks();
  const names = { sql: obs.sqlServer.instance, mi: obs.managedInstance.instance };
  const replicas = replicaNames(obs, link);
  switch (type) {
    case 'planned':
    case 'cutover':
    case 'failback': {
      const from: LinkSide = type === 'failback' ? 'managedInstance' : 'sqlServer';
      const to = otherSide(from);
      const sides = { from: obs[from], to: obs[to] };
      if (reachable(c, sides.from) && reachable(c, sides.to)) {
        role(c, sides.from, 'PRIMARY');
        role(c, sides.to, 'SECONDARY');
        synchronizing(c, link, obs.sqlServer);
        synchronizing(c, link, obs.managedInstance);
      }
      const arm = obs.arm;
      if (arm === null) c.add('ARM_HAS_LINK', false, `ARM knows no link ${link.distributedAvailabilityGroup} on ${names.mi}`);
      else if (armUnreachable(arm)) c.add('ARM_REACHABLE', false, `ARM could not be asked about the link: ${arm.unreachable}`);
      else {
        c.add('ARM_REACHABLE', true, `ARM sees ${names.mi} as ${arm.instanceLinkRole ?? '?'} and SQL Server as ${arm.partnerLinkRole ?? '?'}, replication ${arm.replicationMode ?? '?'}`);
        if (type !== 'cutover') c.add('TWO_WAY_LINK', arm.failoverMode !== 'None', arm.failoverMode === 'None' ? 'the link is one-way (failoverMode None, SQL Server 2016/2019 or a migration link): only a cutover can end it' : `the link is two-way (failoverMode ${arm.failoverMode ?? 'Manual'})`);
      }
      if (type === 'failback') towardSqlServer(c, facts, names, true);
      else if (type === 'planned') towardSqlServer(c, facts, names, false);
      if (!replicas) c.add('REPLICA_NAMES', false, `the managed instance's replica name in ${link.distributedAvailabilityGroup} could not be read from ${names.sql}`);
      return { checks: c.list, from, to, replicas };
    }
    case 'forced': {
      const sqlUp = !obs.sqlServer.unreachable;
      const miUp = !obs.managedInstance.unreachable;
      // the new primary is the side that answers and is secondary
      const to: LinkSide | undefined = miUp && obs.managedInstance.role === 'SECONDARY' ? 'managedInstance' : sqlUp && obs.sqlServer.role === 'SECONDARY' ? 'sqlServer' : undefined;
      if (!to) {
        c.add('SECONDARY_AVAILABLE', false, `no side answers as the secondary (${names.sql}: ${obs.sqlServer.unreachable ? 'unreachable' : (obs.sqlServer.role ?? '?')}, ${names.mi}: ${obs.managedInstance.unreachable ? 'unreachable' : (obs.managedInstance.role ?? '?')})`);
        return { checks: c.list, replicas };
      }
      const from = otherSide(to);
      c.add('SECONDARY_AVAILABLE', true, `${obs[to].instance} answers as the secondary and would become primary`);
      c.add('PRIMARY_DOWN', Boolean(obs[from].unreachable), obs[from].unreachable ? `${obs[from].instance} (the primary) does not answer: ${obs[from].unreachable}` : `${obs[from].instance} (the primary) answers as ${obs[from].role ?? '?'}: a planned failover loses nothing, a forced one would`);
      const seeding = obs[to].databases.filter((d) => d.synchronizationState === 'INITIALIZING' || (d.synchronizationState === 'NOT SYNCHRONIZING' && !d.lastHardenedLsn));
      c.add('SECONDARY_SEEDED', seeding.length === 0, seeding.length === 0 ? `${obs[to].instance} holds every database of the link` : `${obs[to].instance} is still seeding ${seeding.map((d) => d.database).join(', ')}: it cannot become primary`);
      if (to === 'managedInstance') {
        const arm = obs.arm;
        c.add('ARM_REACHABLE', arm !== null && !armUnreachable(arm), arm === null ? `ARM knows no link ${link.distributedAvailabilityGroup}` : armUnreachable(arm) ? `ARM could not be asked: ${arm.unreachable}` : 'ARM answers for the managed instance');
      }
      return { checks: c.list, from, to, replicas };
    }
    case 'split-brain-repair': {
      if (reachable(c, obs.sqlServer) && reachable(c, obs.managedInstance)) {
        c.add('SPLIT_BRAIN', obs.sqlServer.role === 'PRIMARY' && obs.managedInstance.role === 'PRIMARY', `${names.sql} says ${obs.sqlServer.role ?? '?'}, ${names.mi} says ${obs.managedInstance.role ?? '?'}${obs.sqlServer.role === 'PRIMARY' && obs.managedInstance.role === 'PRIMARY' ? ': both primary' : ': there is no split brain to repair'}`);
      }
      const keep = input.keep;
      c.add('SIDE_TO_KEEP', keep !== undefined, keep ? `${obs[keep].instance} keeps the workload (the side the forced failover went to); ${obs[otherSide(keep)].instance} is demoted after its diverged log is backed up` : 'no forced failover of this link is on record, so the app cannot tell which side took over: name it with {"keep": "sqlServer" | "managedInstance"}');
      return { checks: c.list, from: keep && otherSide(keep), to: keep, replicas };
    }
    case 'offline-failback': {
      if (reachable(c, obs.managedInstance)) role(c, obs.managedInstance, 'PRIMARY');
      if (!obs.sqlServer.unreachable) c.add('SQL_SERVER_REACHABLE', true, `${names.sql} answers`);
      else c.add('SQL_SERVER_REACHABLE', false, `${names.sql} does not answer: ${obs.sqlServer.unreachable}`);
      towardSqlServer(c, facts, names, true);
      return { checks: c.list, from: 'managedInstance', to: 'sqlServer', replicas };
    }
  }
}

export const failedChecks = (checks: FailoverCheck[]): FailoverCheck[] => checks.filter((c) => !c.ok);

export interface LsnComparison {
  /** every database's secondary has hardened what the primary had hardened when it was read before */
  match: boolean;
  lsns: Array<{ database: string; sqlServer?: string; managedInstance?: string }>;
  /** the first database that does not match, and why, in words */
  why?: string;
}

const big = (lsn: string | undefined): bigint | undefined => {
  if (!lsn || !/^\d+$/.test(lsn)) return undefined;
  return BigInt(lsn);
};

/** a side's database row; the managed instance's last hardened LSN from ARM when its DMV row has none (REFERENCE 3.2 step 3) */
function withArmLsn(obs: LinkObservation, side: LinkSide, db: string): DatabaseSideState | undefined {
  const row = obs[side].databases.find((d) => d.database.toLowerCase() === db.toLowerCase());
  if (side !== 'managedInstance' || row?.lastHardenedLsn || obs.arm === null || armUnreachable(obs.arm)) return row;
  const fromArm = obs.arm.databases.find((d) => d.databaseName.toLowerCase() === db.toLowerCase())?.lastHardenedLsn;
  return fromArm ? { ...(row ?? { database: db }), lastHardenedLsn: fromArm } : row;
}

/**
 * REFERENCE 3.2 step 3: the last hardened LSNs of both sides. The primary is read first, so a
 * secondary whose hardened LSN has reached the primary's has everything the primary had then.
 * After the switch to synchronous commit every database must also be SYNCHRONIZED on the secondary;
 * a failback to SQL Server skips that switch (REFERENCE 3.3) and compares the LSNs alone.
 */
export function compareLsns(link: LinkConfig, obs: LinkObservation, primary: LinkSide, requireSynchronized = true): LsnComparison {
  const secondary = otherSide(primary);
  const lsns: LsnComparison['lsns'] = [];
  let why: string | undefined;
  for (const db of link.databases) {
    const p = withArmLsn(obs, primary, db);
    const s = withArmLsn(obs, secondary, db);
    lsns.push({ database: db, sqlServer: (primary === 'sqlServer' ? p : s)?.lastHardenedLsn, managedInstance: (primary === 'managedInstance' ? p : s)?.lastHardenedLsn });
    if (why) continue;
    const pl = big(p?.lastHardenedLsn);
    const sl = big(s?.lastHardenedLsn);
    if (pl === undefined || sl === undefined) why = `${db}: the last hardened LSN could not be read on ${pl === undefined ? obs[primary].instance : obs[secondary].instance}`;
    else if (sl < pl) why = `${db}: ${obs[secondary].instance} has hardened up to ${sl}, ${obs[primary].instance} up to ${pl}`;
    else if (requireSynchronized && s?.synchronizationState !== 'SYNCHRONIZED') why = `${db} is ${s?.synchronizationState ?? 'of unknown state'} on ${obs[secondary].instance} (synchronous commit has not taken effect)`;
  }
  return { match: why === undefined, lsns, why };
}

/** The roles after a role change: the new primary PRIMARY, the other SECONDARY (where it can be read). */
export function rolesAre(obs: LinkObservation, primary: LinkSide, requireBoth: boolean): { ok: boolean; message: string } {
  const p = obs[primary];
  const s = obs[otherSide(primary)];
  const pOk = !p.unreachable && p.role === 'PRIMARY';
  const sOk = s.unreachable ? !requireBoth : s.role === 'SECONDARY';
  const say = (x: SideState): string => `${x.instance} ${x.unreachable ? 'does not answer' : `is ${x.role ?? 'of unknown role'}`}`;
  return { ok: pOk && sOk, message: `${say(p)}, ${say(s)}` };
}

export const sideWord = (side: LinkSide): string => SIDE_WORD[side];
