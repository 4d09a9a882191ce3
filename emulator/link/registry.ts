// The links of an estate: where the T-SQL statements, the ARM emulator and the catalog views find
// them. A ticker (unref'd) moves every link to the clock's now; the hosts' HADR views are computed
// from the links when read and cached until the next change, so a DMV snapshot of a hundred links
// costs one pass over them, not one per view or per tick.
import type { HadrState } from '../engine/hadr';
import { ManagedInstanceLink } from './link';
import { buildHadrState } from './hadrRows';
import { applyLinkFault, clearLinkFault, type ActiveLinkFault, type LinkFaultKind, type LinkFaultSpec } from './faults';
import type { EndpointCertificate, LinkHost, LinkOptions, LinkSideName } from './types';

export interface LinkClock {
  now(): Date;
}

const key = (name: string): string => name.toLowerCase();

export class LinkRegistry {
  private readonly all: ManagedInstanceLink[] = [];
  /** links by the lower-case name of each host they involve */
  private readonly byHost = new Map<string, ManagedInstanceLink[]>();
  private readonly cache = new Map<string, { version: number; at: number; state: HadrState }>();
  /** bumped by every change (a tick, a role change, a fault): cached HADR states are stale */
  private version = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly refreshListeners = new Set<() => void>();

  constructor(readonly clock: LinkClock) {}

  create(options: Omit<LinkOptions, 'now'>): ManagedInstanceLink {
    if (this.find(options.name, options.instance.host.config.name)) throw new Error(`link '${options.name}' already exists`);
    // every link of a SQL Server goes through its one mirroring endpoint, with its one certificate
    const sibling = this.linksOf(options.partner.host.config.name).find((l) => l.partner.host === options.partner.host);
    const link = new ManagedInstanceLink({ ...options, partnerCertificate: options.partnerCertificate ?? sibling?.partnerCertificate, now: this.clock.now() });
    this.add(link);
    return link;
  }

  /** a link restored from a saved state (emulator/engine/persistence.ts) */
  adopt(link: ManagedInstanceLink): void {
    if (this.find(link.name, link.instance.host.config.name)) throw new Error(`link '${link.name}' already exists`);
    this.add(link);
  }

  private add(link: ManagedInstanceLink): void {
    this.all.push(link);
    link.onChange = () => this.touch();
    link.shareCertificate = (cert) => this.setEndpointCertificate(link.partner.host.config.name, cert);
    for (const side of [link.partner, link.instance]) {
      // a side whose DAG was dropped no longer finds it (a restored state keeps the other half)
      if (side.name === link.droppedSide) continue;
      const host = side.host;
      const list = this.byHost.get(key(host.config.name)) ?? [];
      list.push(link);
      this.byHost.set(key(host.config.name), list);
      this.serve(host);
    }
    this.touch();
  }

  remove(link: ManagedInstanceLink): void {
    const i = this.all.indexOf(link);
    if (i >= 0) this.all.splice(i, 1);
    link.onChange = undefined;
    link.shareCertificate = undefined;
    for (const host of [link.partner.host, link.instance.host]) {
      const list = this.byHost.get(key(host.config.name));
      const at = list ? list.indexOf(link) : -1;
      if (list && at >= 0) list.splice(at, 1);
      // the log is no longer held for a replica
      for (const name of link.databaseNames()) {
        const db = host.findDatabase(name);
        if (db) db.logTruncationHoldLsn = undefined;
      }
    }
    this.touch();
  }

  /**
   * Drops one side's DAG (ARM DELETE drops the managed instance's, DROP AVAILABILITY GROUP the
   * side it runs on): that host no longer finds or shows the link; the other keeps its half, its
   * partner DISCONNECTED, until it is dropped there too, which removes the link.
   */
  dropSide(link: ManagedInstanceLink, side: LinkSideName): void {
    if (link.droppedSide !== undefined && link.droppedSide !== side) {
      this.remove(link);
      return;
    }
    link.dropSide(side, this.clock.now());
    const list = this.byHost.get(key(link.side(side).host.config.name));
    const at = list ? list.indexOf(link) : -1;
    if (list && at >= 0) list.splice(at, 1);
    this.touch();
  }

  links(): ManagedInstanceLink[] {
    return [...this.all];
  }

  /** the link named `name` that `hostName` takes part in */
  find(name: string, hostName: string): ManagedInstanceLink | undefined {
    const wanted = key(name);
    return this.byHost.get(key(hostName))?.find((l) => key(l.name) === wanted);
  }

  linksOf(hostName: string): ManagedInstanceLink[] {
    return [...(this.byHost.get(key(hostName)) ?? [])];
  }

  /** the HADR views' rows of `host`, computed from its links (cached until the next change) */
  hadrFor(host: LinkHost): HadrState {
    // valid until the next change: the ticker's advance (every 250 ms) is one, so the views are
    // as fresh as the links themselves
    const k = key(host.config.name);
    const cached = this.cache.get(k);
    if (cached && cached.version === this.version) return cached.state;
    const now = this.clock.now();
    const state = buildHadrState(host, this.byHost.get(k) ?? [], now);
    this.cache.set(k, { version: this.version, at: now.getTime(), state });
    return state;
  }

  /** the host's HADR views come from this registry from now on */
  private serve(host: LinkHost): void {
    host.hadrSource = () => this.hadrFor(host);
  }

  /** something changed outside advance (a role, a fault): recompute the views on the next read */
  touch(): void {
    this.version++;
  }

  /** advances every link to now (the `extraHosts` argument is kept for callers of the old API) */
  refresh(_extraHosts: LinkHost[] = []): void {
    const now = this.clock.now();
    for (const l of this.all) l.advance(now);
    this.touch();
    for (const listener of [...this.refreshListeners]) listener();
  }

  /** `listener` runs after every refresh (what else moves with simulated time: ARM operations); returns how to stop */
  onRefresh(listener: () => void): () => void {
    this.refreshListeners.add(listener);
    return () => this.refreshListeners.delete(listener);
  }

  /** advances the links `hostName` takes part in (ARM reads one managed instance's links) */
  refreshHost(hostName: string): void {
    const now = this.clock.now();
    for (const l of this.byHost.get(key(hostName)) ?? []) l.advance(now);
    this.touch();
  }

  /**
   * An instance went down or came back (the admin API's instanceDown): its links move to now first
   * (what was shipped before is shipped), then take the change (link.noteHostAvailability).
   * `change` applies it between the two.
   */
  hostAvailabilityChanged(hostName: string, change: () => void): void {
    const now = this.clock.now();
    const mine = this.byHost.get(key(hostName)) ?? [];
    for (const l of mine) l.advance(now);
    change();
    for (const l of mine) l.noteHostAvailability(now);
    this.touch();
  }

  /**
   * Sets a SQL Server's endpoint certificate (a rotation, or one set to expire): every link of that
   * SQL Server uses it. Returns the links it changed.
   */
  setEndpointCertificate(sqlServer: string, cert: EndpointCertificate): ManagedInstanceLink[] {
    const now = this.clock.now();
    const changed = this.linksOf(sqlServer).filter((l) => key(l.partner.host.config.name) === key(sqlServer));
    for (const l of changed) l.usePartnerCertificate(cert, now);
    this.touch();
    return changed;
  }

  /** turns a fault on for one link (faults.ts); a certificate change reaches every link of that SQL Server */
  injectFault(link: ManagedInstanceLink, spec: LinkFaultSpec): ActiveLinkFault {
    const active = applyLinkFault(link, spec, this.clock.now(), (cert) => this.setEndpointCertificate(link.partner.host.config.name, cert));
    this.touch();
    return active;
  }

  /** turns one fault off; false when it was not on */
  clearFault(link: ManagedInstanceLink, kind: LinkFaultKind): boolean {
    const cleared = clearLinkFault(link, kind, this.clock.now(), (cert) => this.setEndpointCertificate(link.partner.host.config.name, cert));
    this.touch();
    return cleared;
  }

  start(tickMs = 250): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.refresh(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
