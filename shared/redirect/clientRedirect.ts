// Client redirection after a failover: the applications connect through a name (a CNAME in an
// Azure Private DNS zone) that the failover playbooks point at the new primary. Playbooks see only
// this interface; privateDnsCname.ts is the implementation.

/** where a link's connection name lives */
export interface RedirectTarget {
  /** /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone} */
  zoneResourceId: string;
  /** the record's name relative to the zone, e.g. app-sales */
  recordName: string;
  ttlSeconds: number;
}

export interface RedirectResult {
  /** the name the clients use, e.g. app-sales.corp.internal (no trailing dot) */
  fqdn: string;
  /** where it pointed before the call; undefined when the record did not exist */
  previous?: string;
  /** where it points now, as read back after the update */
  current: string;
  /** the record differs from what it was before the call (host or TTL) */
  changed: boolean;
}

export interface ClientRedirect {
  /** points the name at hostName and reads it back; pointing it where it already points changes nothing */
  pointTo(target: RedirectTarget, hostName: string): Promise<RedirectResult>;
  /** the host the name points to; undefined when there is no such record */
  current(target: RedirectTarget): Promise<string | undefined>;
}
