// What the admin APIs show of a link beyond its roles: each side's own availability modes, a
// dropped side, per-database suspension, and the data lost (LSNs as text: JSON has no bigint).
import type { ManagedInstanceLink } from './link';
import type { LostData } from './types';

export function lostDataJson(l: LostData): Record<string, unknown> {
  return {
    ...l,
    afterLsn: l.afterLsn.toString(),
    throughLsn: l.throughLsn.toString(),
    ...(l.preservedIn ? { preservedIn: l.preservedIn.map((b) => ({ ...b, lastLsn: b.lastLsn.toString() })) } : {}),
  };
}

export function linkStateJson(link: ManagedInstanceLink): Record<string, unknown> {
  return {
    sideModes: { partner: { ...link.modes.partner }, instance: { ...link.modes.instance } },
    droppedSide: link.droppedSide ?? null,
    databaseStates: link.databases().map((d) => ({
      name: d.name,
      suspended: d.suspended ?? null,
      reverting: d.reverting ?? null,
      forkLsn: d.forkLsn?.toString() ?? null,
    })),
  };
}
