// Azure Private DNS zones and their record sets as the ARM emulator keeps them: zones come from the
// emulator's options (or its admin API), record sets are written through ARM. Every write gives the
// record set a new ETag, so If-Match / If-None-Match behave as on Azure. Two faults stand in for
// other writers: one that changes a record set between a client's read and its write, and one
// that puts a record set back right after a client wrote it (a competing automation or policy).
import { randomUUID } from 'node:crypto';

export const PRIVATE_DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'PTR', 'SOA', 'SRV', 'TXT'] as const;
export type PrivateDnsRecordType = (typeof PRIVATE_DNS_RECORD_TYPES)[number];

/** the properties field that carries each type's records */
export const RECORD_FIELD: Record<PrivateDnsRecordType, string> = {
  A: 'aRecords',
  AAAA: 'aaaaRecords',
  CNAME: 'cnameRecord',
  MX: 'mxRecords',
  PTR: 'ptrRecords',
  SOA: 'soaRecord',
  SRV: 'srvRecords',
  TXT: 'txtRecords',
};

export interface PrivateDnsZoneSpec {
  resourceGroup: string;
  /** the zone's DNS name, e.g. corp.internal */
  name: string;
}

export interface PrivateDnsRecordSet {
  type: PrivateDnsRecordType;
  /** relative to the zone, lower case ('@' for the apex) */
  name: string;
  ttl: number;
  metadata?: Record<string, string>;
  /** the type's record field as sent, e.g. { cname: 'host' } for CNAME, an array for A */
  records: unknown;
  etag: string;
}

export interface PrivateDnsZone extends PrivateDnsZoneSpec {
  etag: string;
  /** keyed by `${type}/${name}` */
  recordSets: Map<string, PrivateDnsRecordSet>;
}

export type PrivateDnsFault =
  /** before the next `count` record set PUTs, another writer changes the record set (new ETag; a CNAME then points to `cname`) */
  | { kind: 'concurrentWrite'; count: number; cname?: string }
  /** the next `count` record set PUTs succeed, then another writer puts the record set back as it was */
  | { kind: 'revertAfterWrite'; count: number };

export type RecordSetWrite = Pick<PrivateDnsRecordSet, 'ttl' | 'metadata' | 'records'>;

const key = (type: PrivateDnsRecordType, name: string): string => `${type}/${name.toLowerCase()}`;
const zoneKey = (resourceGroup: string, name: string): string => `${resourceGroup.toLowerCase()}/${name.toLowerCase()}`;

/** the SOA Azure creates with every private zone (RecordSetSOAGet example) */
function apexSoa(): PrivateDnsRecordSet {
  return {
    type: 'SOA',
    name: '@',
    ttl: 3600,
    records: { email: 'azureprivatedns-hostmaster.microsoft.com', expireTime: 2419200, host: 'azureprivatedns.net', minimumTtl: 300, refreshTime: 3600, retryTime: 300, serialNumber: 1 },
    etag: randomUUID(),
  };
}

export class PrivateDnsZones {
  private readonly zonesByKey = new Map<string, PrivateDnsZone>();
  private faultQueue: PrivateDnsFault[] = [];

  constructor(zones: PrivateDnsZoneSpec[] = []) {
    for (const z of zones) this.addZone(z);
  }

  /** creates the zone (with its apex SOA) unless it exists; true when it was created */
  addZone(spec: PrivateDnsZoneSpec): boolean {
    const k = zoneKey(spec.resourceGroup, spec.name);
    if (this.zonesByKey.has(k)) return false;
    const soa = apexSoa();
    this.zonesByKey.set(k, { resourceGroup: spec.resourceGroup, name: spec.name.toLowerCase(), etag: randomUUID(), recordSets: new Map([[key('SOA', '@'), soa]]) });
    return true;
  }

  zones(resourceGroup?: string): PrivateDnsZone[] {
    return [...this.zonesByKey.values()].filter((z) => resourceGroup === undefined || z.resourceGroup.toLowerCase() === resourceGroup.toLowerCase());
  }

  zone(resourceGroup: string, name: string): PrivateDnsZone | undefined {
    return this.zonesByKey.get(zoneKey(resourceGroup, name));
  }

  get(zone: PrivateDnsZone, type: PrivateDnsRecordType, name: string): PrivateDnsRecordSet | undefined {
    return zone.recordSets.get(key(type, name));
  }

  /** record sets of one type, or all, sorted as Azure lists them (by type, then name) */
  list(zone: PrivateDnsZone, type?: PrivateDnsRecordType): PrivateDnsRecordSet[] {
    return [...zone.recordSets.values()]
      .filter((r) => type === undefined || r.type === type)
      .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type.localeCompare(b.type)));
  }

  /** writes the record set with a new ETag; `created` when it did not exist */
  put(zone: PrivateDnsZone, type: PrivateDnsRecordType, name: string, write: RecordSetWrite): { recordSet: PrivateDnsRecordSet; created: boolean } {
    const created = !zone.recordSets.has(key(type, name));
    const recordSet: PrivateDnsRecordSet = { type, name: name.toLowerCase(), ttl: write.ttl, metadata: write.metadata, records: write.records, etag: randomUUID() };
    zone.recordSets.set(key(type, name), recordSet);
    if (created) zone.etag = randomUUID();
    return { recordSet, created };
  }

  /** false when there was no such record set */
  delete(zone: PrivateDnsZone, type: PrivateDnsRecordType, name: string): boolean {
    const deleted = zone.recordSets.delete(key(type, name));
    if (deleted) zone.etag = randomUUID();
    return deleted;
  }

  // ---- faults: other writers ------------------------------------------------------------------

  injectFault(fault: PrivateDnsFault): void {
    if (fault.kind !== 'concurrentWrite' && fault.kind !== 'revertAfterWrite') throw new RangeError('"kind" must be concurrentWrite or revertAfterWrite');
    if (!Number.isInteger(fault.count) || fault.count < 1) throw new RangeError('"count" must be an integer >= 1');
    if (fault.kind === 'concurrentWrite' && fault.cname !== undefined && (typeof fault.cname !== 'string' || fault.cname.length === 0)) throw new RangeError('"cname" must be a host name');
    this.faultQueue.push({ ...fault });
  }

  faults(): PrivateDnsFault[] {
    return this.faultQueue.map((f) => ({ ...f }));
  }

  clearFaults(): void {
    this.faultQueue = [];
  }

  /**
   * Runs the faults due around one record set PUT: a concurrent write happens now (before the
   * request's preconditions are checked); the returned function, called after the PUT, reverts it
   * when a revertAfterWrite is due.
   */
  aroundPut(zone: PrivateDnsZone, type: PrivateDnsRecordType, name: string): () => void {
    const concurrent = this.take('concurrentWrite');
    if (concurrent?.kind === 'concurrentWrite') {
      const now = this.get(zone, type, name);
      const records = type === 'CNAME' ? { cname: concurrent.cname ?? 'concurrent-writer.invalid' } : (now?.records ?? []);
      this.put(zone, type, name, { ttl: now?.ttl ?? 3600, metadata: now?.metadata, records });
    }
    if (!this.take('revertAfterWrite')) return () => undefined;
    const before = this.get(zone, type, name);
    return () => {
      if (before) this.put(zone, type, name, { ttl: before.ttl, metadata: before.metadata, records: before.records });
      else this.delete(zone, type, name);
    };
  }

  private take(kind: PrivateDnsFault['kind']): PrivateDnsFault | undefined {
    const i = this.faultQueue.findIndex((f) => f.kind === kind);
    if (i < 0) return undefined;
    const f = this.faultQueue[i];
    f.count -= 1;
    if (f.count <= 0) this.faultQueue.splice(i, 1);
    return f;
  }
}
