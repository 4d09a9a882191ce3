// ALTER / DROP AVAILABILITY GROUP for the link's distributed availability group, run on either
// side: MODIFY ... WITH (AVAILABILITY_MODE = ...), SET (ROLE = SECONDARY), FAILOVER,
// FORCE_FAILOVER_ALLOW_DATA_LOSS. Refusals carry SQL Server's error numbers.
import type { Statement } from '../sql/ast';
import { SqlError } from '../sqlError';
import type { ManagedInstanceLink } from './link';
import type { LinkRegistry } from './registry';
import { LinkRefusal } from './refusal';
import type { AvailabilityMode, LinkSideName } from './types';

type AvailabilityGroupStatement = Extract<Statement, { kind: 'availabilityGroup' }>;

export type AvailabilityGroupOutcome =
  /** no link of that name involves this instance: the engine's own handling applies */
  | { handled: false }
  | { handled: true; messages: string[] };

function notFound(action: string, name: string): SqlError {
  return new SqlError(15151, 1, 16, `Cannot ${action.toLowerCase()} the availability group '${name}', because it does not exist or you do not have permission.`);
}

function cannotBecomePrimary(name: string): SqlError {
  return new SqlError(
    41142,
    34,
    16,
    `The availability replica for availability group '${name}' on this instance of SQL Server cannot become the primary replica. One or more databases are not synchronized or have not joined the availability group. If the availability replica uses the asynchronous-commit mode, consider performing a forced manual failover (with possible data loss). Otherwise, once all local secondary databases are joined and synchronized, you can perform a planned manual failover to this secondary replica (without data loss). For more information, see SQL Server Books Online.`,
  );
}

function alreadyPrimary(name: string): SqlError {
  return new SqlError(
    41122,
    1,
    16,
    `Cannot failover availability group '${name}' to this instance of SQL Server. The local availability replica is already the primary replica of the availability group. To failover this availability group to another instance, run the failover command on that instance. If local instance is intended to host the primary replica of the availability group, then no action is required.`,
  );
}

/** the text after the group name, upper-cased with runs of white space collapsed */
function body(stmt: AvailabilityGroupStatement): string {
  const text = stmt.text.replace(/\s+/g, ' ').trim();
  const at = text.toUpperCase().indexOf('GROUP');
  const rest = at >= 0 ? text.slice(at + 5).trim() : text;
  // drop the group name ([x], "x" or x)
  return rest.replace(/^(\[(?:[^\]]|\]\])*\]|"[^"]*"|\S+)\s*/, '').replace(/;\s*$/, '').toUpperCase();
}

/** MODIFY AVAILABILITY GROUP ON 'AG' WITH (AVAILABILITY_MODE = X), 'MI' WITH (...): the mode asked per member */
function requestedModes(link: ManagedInstanceLink, text: string): { member: LinkSideName; mode: AvailabilityMode }[] {
  const replicas = [...text.matchAll(/'((?:[^']|'')*)'\s+WITH\s*\(([^)]*)\)/g)];
  if (replicas.length === 0) throw new SqlError(102, 1, 15, `Incorrect syntax near 'ON'.`);
  const modes: { member: LinkSideName; mode: AvailabilityMode }[] = [];
  for (const [, rawName, options] of replicas) {
    const name = rawName.replace(/''/g, "'");
    const member = [link.partner, link.instance].find((s) => s.availabilityGroupName.toUpperCase() === name.toUpperCase());
    if (!member) {
      throw new SqlError(19405, 1, 16, `Failed to modify options for availability replica '${name}' in availability group '${link.name}'. The specified availability group does not contain an availability replica with specified name. Verify that availability group name and availability replica name are correct, then retry the operation.`);
    }
    const m = /AVAILABILITY_MODE\s*=\s*(SYNCHRONOUS_COMMIT|ASYNCHRONOUS_COMMIT)/.exec(options);
    if (m) modes.push({ member: member.name, mode: m[1] as AvailabilityMode });
  }
  return modes;
}

/**
 * Runs an AVAILABILITY GROUP statement issued on `instanceName` against the registry's links.
 * Returns handled:false when the instance takes part in no link of that name and the statement is
 * not about one (the engine then refuses it as before).
 */
export function executeAvailabilityGroupStatement(stmt: AvailabilityGroupStatement, instanceName: string, registry: LinkRegistry): AvailabilityGroupOutcome {
  const link = registry.find(stmt.name, instanceName);
  if (!link) {
    if (registry.linksOf(instanceName).length === 0) return { handled: false };
    if (stmt.action === 'CREATE') return { handled: false };
    const local = localAgLinks(registry, instanceName, stmt.name);
    if (local.length > 0) return localAgStatement(stmt, local, registry);
    throw notFound(stmt.action, stmt.name);
  }
  if (stmt.action === 'CREATE') {
    throw new SqlError(41044, 1, 16, `Availability group name to ID map entry for availability group '${stmt.name}' cannot be found or already exists.`);
  }
  const now = registry.clock.now();
  const local = link.sideOf(instanceName);
  if (!local) throw notFound(stmt.action, stmt.name);
  const messages: string[] = [];
  if (stmt.action === 'DROP') {
    // only this instance's half: the partner keeps its own until it is dropped there (ARM DELETE on the MI)
    registry.dropSide(link, local.name);
    return { handled: true, messages };
  }
  const text = body(stmt);
  try {
    if (/^FORCE_FAILOVER_ALLOW_DATA_LOSS$/.test(text)) {
      if (local.role === 'PRIMARY') throw alreadyPrimary(link.name);
      link.forceFailover(local.name, now, false);
    } else if (/^FAILOVER$/.test(text)) {
      if (link.primary() === undefined) throw cannotBecomePrimary(link.name);
      link.plannedFailover(now);
    } else if (/^SET\s*\(\s*ROLE\s*=\s*SECONDARY\s*\)$/.test(text)) {
      if (local.role === 'PRIMARY') link.setRoleSecondary(local.name, now);
    } else if (requiredSecondaries(text) !== undefined) {
      // recorded on the group (sys.availability_groups); the emulated link commits per availability mode
      link.setRequiredSynchronizedSecondaries(requiredSecondaries(text) as number, now);
    } else if (/^MODIFY AVAILABILITY GROUP ON /.test(text)) {
      // this side's own setting; the link commits synchronously once both sides say so
      for (const { member, mode } of requestedModes(link, text)) link.setAvailabilityMode(mode, now, local.name, [member]);
    } else {
      throw new SqlError(40517, 1, 16, `Keyword or statement option '${stmt.text.trim().split(/\s+/).slice(0, 6).join(' ')}' is not supported in this version of SQL Server.`);
    }
  } catch (e) {
    if (e instanceof LinkRefusal) {
      if (e.reason === 'alreadyPrimary') throw alreadyPrimary(link.name);
      throw cannotBecomePrimary(link.name);
    }
    throw e;
  }
  registry.refresh();
  return { handled: true, messages };
}

/** SET (REQUIRED_SYNCHRONIZED_SECONDARIES_TO_COMMIT = n): n, else undefined */
function requiredSecondaries(text: string): number | undefined {
  const m = /^SET\s*\(\s*REQUIRED_SYNCHRONIZED_SECONDARIES_TO_COMMIT\s*=\s*(\d+)\s*\)$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** the links built on the local availability group `agName` of SQL Server `instanceName` */
function localAgLinks(registry: LinkRegistry, instanceName: string, agName: string): ManagedInstanceLink[] {
  return registry.linksOf(instanceName).filter((l) => l.sideOf(instanceName)?.name === 'partner' && l.partner.availabilityGroupName.toLowerCase() === agName.toLowerCase());
}

/** statements on SQL Server's own AG under a link: its one replica is its primary */
function localAgStatement(stmt: AvailabilityGroupStatement, links: ManagedInstanceLink[], registry: LinkRegistry): AvailabilityGroupOutcome {
  const name = links[0].partner.availabilityGroupName;
  const text = body(stmt);
  const n = requiredSecondaries(text);
  if (n !== undefined) {
    const now = registry.clock.now();
    for (const l of links) l.setPartnerAgRequiredSynchronizedSecondaries(n, now);
    return { handled: true, messages: [] };
  }
  if (stmt.action === 'ALTER' && /^(FAILOVER|FORCE_FAILOVER_ALLOW_DATA_LOSS)$/.test(text)) throw alreadyPrimary(name);
  // dropping it under a DAG, and its other options, are not emulated
  throw new SqlError(40517, 1, 16, `Keyword or statement option '${stmt.text.trim().split(/\s+/).slice(0, 6).join(' ')}' is not supported in this version of SQL Server.`);
}
