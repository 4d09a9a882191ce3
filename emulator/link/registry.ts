// The links of an estate: where the T-SQL statements, the ARM emulator and the catalog refresh find
// them. refresh() moves every link to the clock's now and rewrites the hosts' HadrState; a ticker
// (unref'd) does it periodically so the DMVs stay current between statements.
import { ManagedInstanceLink } from './link';
import { writeHadrState } from './hadrRows';
import type { LinkHost, LinkOptions } from './types';

export interface LinkClock {
  now(): Date;
}

export class LinkRegistry {
  private readonly all: ManagedInstanceLink[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly clock: LinkClock) {}

  create(options: Omit<LinkOptions, 'now'>): ManagedInstanceLink {
    if (this.find(options.name, options.instance.host.config.name)) throw new Error(`link '${options.name}' already exists`);
    const link = new ManagedInstanceLink({ ...options, now: this.clock.now() });
    this.all.push(link);
    this.refresh();
    return link;
  }

  /** a link restored from a saved state (emulator/engine/persistence.ts) */
  adopt(link: ManagedInstanceLink): void {
    if (this.find(link.name, link.instance.host.config.name)) throw new Error(`link '${link.name}' already exists`);
    this.all.push(link);
    this.refresh();
  }

  remove(link: ManagedInstanceLink): void {
    const i = this.all.indexOf(link);
    if (i >= 0) this.all.splice(i, 1);
    this.refresh([link.partner.host, link.instance.host]);
  }

  links(): ManagedInstanceLink[] {
    return [...this.all];
  }

  /** the link named `name` that `hostName` takes part in */
  find(name: string, hostName: string): ManagedInstanceLink | undefined {
    return this.all.find((l) => l.name.toLowerCase() === name.toLowerCase() && l.sideOf(hostName) !== undefined);
  }

  linksOf(hostName: string): ManagedInstanceLink[] {
    return this.all.filter((l) => l.sideOf(hostName) !== undefined);
  }

  /** advances every link to now and rewrites the HadrState of every host (and of `extraHosts`) */
  refresh(extraHosts: LinkHost[] = []): void {
    const now = this.clock.now();
    for (const l of this.all) l.advance(now);
    const hosts = new Set<LinkHost>(extraHosts);
    for (const l of this.all) {
      hosts.add(l.partner.host);
      hosts.add(l.instance.host);
    }
    for (const h of hosts) writeHadrState(h, this.linksOf(h.config.name), now);
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
