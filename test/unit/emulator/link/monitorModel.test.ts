// The pieces behind the link monitor's DMVs, on a manual clock: each side's view, measured rates,
// redo faults, the log's truncation, the faults' bodies, an older saved state, the generated estate.
import type { EngineClock } from '../../../../emulator/engine/clock';
import { buildInstances, validateEstate } from '../../../../emulator/engine/estate';
import { managedInstanceName, manyLinks } from '../../../../emulator/engine/generatedEstate';
import type { EmulatedInstance } from '../../../../emulator/engine/instance';
import { logSpace, truncateAfterLogBackup } from '../../../../emulator/engine/logSpace';
import { validateLinkFault } from '../../../../emulator/link/faults';
import { ManagedInstanceLink, type SavedLink } from '../../../../emulator/link/link';
import { count, newMeter, rate } from '../../../../emulator/link/rates';
import { LinkRegistry } from '../../../../emulator/link/registry';

class ManualClock implements EngineClock {
  readonly speed = 1;
  private t = Date.parse('2026-05-01T10:00:00Z');
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
}

function fixture(): { clock: ManualClock; sql: EmulatedInstance; mi: EmulatedInstance; registry: LinkRegistry; link: ManagedInstanceLink; step(ms: number): void } {
  const clock = new ManualClock();
  const [sql, mi] = buildInstances(
    {
      instances: [
        { name: 'sql-onprem', kind: 'sqlServer', logins: [{ name: 'sa', password: 'x' }], databases: [{ name: 'Sales', workloadTps: 50 }] },
        { name: 'mi-prod', kind: 'managedInstance', logins: [{ name: 'a', password: 'x' }], databases: [{ name: 'Sales' }] },
      ],
    },
    clock,
  );
  const registry = new LinkRegistry(clock);
  const link = registry.create({
    name: 'Link_Sales',
    partner: { host: sql, availabilityGroupName: 'AG_Sales', endpointUrl: 'TCP://sql-onprem:5022' },
    instance: { host: mi, availabilityGroupName: 'mi-prod', endpointUrl: 'TCP://mi-prod.contoso:5022' },
    databases: ['Sales'],
    network: { bandwidthKBps: 1024, latencyMs: 50 },
  });
  const step = (ms: number): void => {
    for (let left = ms; left > 0; left -= 250) {
      clock.advance(Math.min(250, left));
      sql.tickWorkload();
      mi.tickWorkload();
      registry.refresh();
    }
  };
  return { clock, sql, mi, registry, link, step };
}

describe('rates', () => {
  it('average over the window and keep the last active period when idle', () => {
    const m = newMeter();
    for (let t = 0; t <= 20_000; t += 250) count(m, t, 256);
    expect(rate(m)).toBeCloseTo(1024, -1);
    for (let t = 20_250; t <= 40_000; t += 250) count(m, t, 0);
    expect(rate(m)).toBeCloseTo(1024, -1);
  });
});

describe('what each side of the link shows', () => {
  it('the primary reports the send and redo rates measured from the workload; the secondary its own redo', () => {
    const f = fixture();
    f.step(15_000);
    const remote = f.sql.hadr.databaseReplicaStates.find((r) => r.groupId === f.link.groupId && !r.isLocal)!;
    // 50 transactions/s x 4 records x 256 bytes = 50 KB/s
    expect(remote.logSendRateKbps).toBeGreaterThanOrEqual(45);
    expect(remote.logSendRateKbps).toBeLessThanOrEqual(55);
    const own = f.mi.hadr.databaseReplicaStates.find((r) => r.isLocal)!;
    expect(own.redoRateKbps).toBeGreaterThanOrEqual(45);
    expect(own.groupDatabaseId).toBe(remote.groupDatabaseId);
  });

  it('a slow redo builds the redo queue; the secondary commits only what it redid', () => {
    const f = fixture();
    f.step(2_000);
    f.link.setRedoFault({ capKBps: 10 }, f.clock.now());
    f.step(20_000);
    const own = f.mi.hadr.databaseReplicaStates.find((r) => r.isLocal)!;
    expect(own.redoQueueSizeKb).toBeGreaterThan(700);
    expect(own.lastRedoneLsn).toBeLessThan(own.lastHardenedLsn!);
    expect(own.lastCommitLsn).toBe(own.lastRedoneLsn);
  });

  it('the primary holds the log its secondary has not hardened: a log backup truncates only up to it', () => {
    const f = fixture();
    const db = f.sql.findDatabase('Sales')!;
    f.step(2_000);
    truncateAfterLogBackup(db, db.lastLsn);
    const before = logSpace(db, 'sqlServer').usedBytes;
    f.link.setPartitioned(true, f.clock.now());
    f.step(30_000);
    truncateAfterLogBackup(db, db.lastLsn);
    const held = logSpace(db, 'sqlServer');
    expect(held.reuseWait).toBe('AVAILABILITY_REPLICA');
    expect(held.usedBytes - before).toBeGreaterThan(1_400_000);
    f.link.setPartitioned(false, f.clock.now());
    f.step(5_000);
    expect(logSpace(db, 'sqlServer').reuseWait).toBe('LOG_BACKUP');
    truncateAfterLogBackup(db, db.lastLsn);
    expect(logSpace(db, 'sqlServer').usedBytes).toBeLessThan(before + 100_000);
    // the managed instance backs its log up by itself
    expect(logSpace(f.mi.findDatabase('Sales')!, 'managedInstance').reuseWait).toBe('NOTHING');
  });
});

describe('link faults', () => {
  it('bodies are checked field by field', () => {
    expect(() => validateLinkFault({ kind: 'partition' })).not.toThrow();
    expect(() => validateLinkFault({ kind: 'certificateExpiry', expiresInDays: 10 })).not.toThrow();
    expect(() => validateLinkFault({ kind: 'linkError', errorNumber: 41977 })).not.toThrow();
    expect(() => validateLinkFault({ kind: 'linkError', errorNumber: 1 })).toThrow(/not a link error/);
    expect(() => validateLinkFault({ kind: 'slowRedo', redoRateKBps: 0 })).toThrow(/redoRateKBps/);
    expect(() => validateLinkFault({ kind: 'certificateExpiry', expiresInDays: 1, expiryDate: '2030-01-01T00:00:00Z' })).toThrow(/not both/);
    expect(() => validateLinkFault('partition')).toThrow(/JSON object/);
  });

  it('a certificate change reaches every link of that SQL Server (one endpoint), and clearing rotates it back', () => {
    const f = fixture();
    f.sql.createDatabase('Orders');
    f.mi.createDatabase('Orders');
    const other = f.registry.create({
      name: 'Link_Orders',
      partner: { host: f.sql, availabilityGroupName: 'AG_Orders', endpointUrl: 'TCP://sql-onprem:5022' },
      instance: { host: f.mi, availabilityGroupName: 'mi-prod', endpointUrl: 'TCP://mi-prod.contoso:5022' },
      databases: ['Orders'],
    });
    expect(other.partnerCertificate).toEqual(f.link.partnerCertificate);
    const before = f.link.partnerCertificate.expiryDate;
    f.registry.injectFault(f.link, { kind: 'certificateExpiry', expiresInDays: 10 });
    expect(other.partnerCertificate.expiryDate.getTime()).toBe(f.clock.now().getTime() + 10 * 86_400_000);
    expect(f.sql.hadr.certificates?.find((c) => c.pvtKeyEncryptionType === 'MK')?.expiryDate).toEqual(other.partnerCertificate.expiryDate);
    expect(f.registry.clearFault(f.link, 'certificateExpiry')).toBe(true);
    expect(other.partnerCertificate.expiryDate).toEqual(before);
    expect(f.registry.clearFault(f.link, 'certificateExpiry')).toBe(false);
  });

  it('faults survive a save and restore; a state saved before the per-side views loads with defaults', () => {
    const f = fixture();
    f.step(1_000);
    f.registry.injectFault(f.link, { kind: 'stalledRedo' });
    const saved = JSON.parse(JSON.stringify(f.link.toSaved(), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)), (_k, v: unknown) =>
      typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v) : v,
    ) as SavedLink;
    const host = (name: string): EmulatedInstance | undefined => [f.sql, f.mi].find((h) => h.config.name === name);
    const again = ManagedInstanceLink.fromSaved(saved, host);
    expect(again.faults.map((x) => x.spec.kind)).toEqual(['stalledRedo']);
    expect(again.redoFault).toEqual({ stalled: true });
    // an older state file: none of the fields added with the per-side views
    const old = { ...saved, faults: undefined, redoFault: undefined, partnerRoleSeenByInstance: undefined, databases: saved.databases.map((d) => ({ ...d, redo: undefined, sent: undefined, received: undefined, redone: undefined, primaryView: undefined, secondaryView: undefined, seedingHistory: undefined })) };
    const restored = ManagedInstanceLink.fromSaved(old, host);
    expect(restored.partnerRoleSeenByInstance).toBe('PRIMARY');
    f.registry.remove(f.link);
    f.registry.adopt(restored);
    f.clock.advance(1_000);
    expect(() => f.registry.refresh()).not.toThrow();
    expect(f.mi.hadr.databaseReplicaStates).toHaveLength(1);
  });
});

describe('manyLinks', () => {
  it('generates a valid estate of N managed instances x M links, one SQL Server each or shared', () => {
    const estate = manyLinks({ managedInstances: 3, linksPerInstance: 4 });
    expect(() => validateEstate(estate)).not.toThrow();
    expect(estate.instances.map((i) => i.name)).toEqual(['sql-00', 'sql-01', 'sql-02', 'mi-00', 'mi-01', 'mi-02']);
    expect(estate.links).toHaveLength(12);
    expect(estate.links?.[5]).toMatchObject({ name: 'Link_db001', sqlServer: { instance: 'sql-01', availabilityGroup: 'AG_db001' }, managedInstance: { instance: managedInstanceName(1) } });
    const shared = manyLinks({ managedInstances: 3, linksPerInstance: 2, sqlServers: 1 });
    expect(() => validateEstate(shared)).not.toThrow();
    expect(shared.instances.filter((i) => i.kind === 'sqlServer')).toHaveLength(1);
    expect(shared.instances[0].databases?.map((d) => d.name)).toEqual(['db000_mi00', 'db001_mi00', 'db000_mi01', 'db001_mi01', 'db000_mi02', 'db001_mi02']);
  });
});
