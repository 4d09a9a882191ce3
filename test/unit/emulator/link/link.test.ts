import { buildInstances } from '../../../../emulator/engine/estate';
import type { EngineClock } from '../../../../emulator/engine/clock';
import type { EmulatedInstance } from '../../../../emulator/engine/instance';
import { recordsBetween } from '../../../../emulator/link/logMath';
import { LinkRegistry } from '../../../../emulator/link/registry';
import { executeAvailabilityGroupStatement } from '../../../../emulator/link/statements';
import type { ManagedInstanceLink } from '../../../../emulator/link/link';
import { LinkRefusal } from '../../../../emulator/link/refusal';
import { SqlError } from '../../../../emulator/sqlError';
import type { Statement } from '../../../../emulator/sql/ast';

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

interface Fixture {
  clock: ManualClock;
  sql: EmulatedInstance;
  mi: EmulatedInstance;
  registry: LinkRegistry;
  link: ManagedInstanceLink;
  /** moves time, runs the workload and the link */
  step(ms: number): void;
}

function fixture(tps = 50): Fixture {
  const clock = new ManualClock();
  const [sql, mi] = buildInstances(
    {
      instances: [
        { name: 'sql-onprem', kind: 'sqlServer', logins: [{ name: 'sa', password: 'x' }], databases: [{ name: 'Sales', workloadTps: tps }] },
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
    // small steps, as the workload ticker and the link refresh run in the emulator
    for (let left = ms; left > 0; left -= 250) {
      clock.advance(Math.min(250, left));
      sql.tickWorkload();
      mi.tickWorkload();
      registry.refresh();
    }
  };
  return { clock, sql, mi, registry, link, step };
}

const db = (i: EmulatedInstance) => i.findDatabase('Sales')!;
const alter = (text: string): Extract<Statement, { kind: 'availabilityGroup' }> => ({ kind: 'availabilityGroup', action: 'ALTER', name: 'Link_Sales', text, clauses: [] });

describe('ManagedInstanceLink', () => {
  it('keeps the secondary close behind a busy primary and shows it in the HADR state of both hosts', () => {
    const f = fixture();
    f.step(10_000);
    const snap = f.link.snapshots(f.clock.now())[0];
    expect(db(f.sql).lastLsn).toBeGreaterThan(db(f.mi).lastLsn - 1n);
    expect(snap.connected).toBe(true);
    expect(snap.synchronizationState).toBe('SYNCHRONIZING');
    expect(snap.logSendQueueKB).toBeLessThan(50);
    expect(recordsBetween(db(f.mi).lastLsn, db(f.sql).lastLsn)).toBeLessThan(100);
    // primary sees two replica rows of the DAG, the secondary only its own
    const dag = <T extends { groupId: string }>(rows: T[]): T[] => rows.filter((r) => r.groupId === f.link.groupId);
    expect(dag(f.sql.hadr.replicaStates).map((r) => [r.isLocal, r.role])).toEqual([[true, 1], [false, 2]]);
    expect(dag(f.mi.hadr.replicaStates).map((r) => [r.isLocal, r.role])).toEqual([[true, 2]]);
    expect(f.sql.hadr.groups[0]).toMatchObject({ name: 'Link_Sales', isDistributed: true });
    // and SQL Server its own availability group, whose only replica is its primary
    expect(f.sql.hadr.groups[1]).toMatchObject({ name: 'AG_Sales', isDistributed: false, clusterType: 2 });
    expect(f.sql.hadr.replicaStates.filter((r) => r.groupId === f.sql.hadr.groups[1].groupId).map((r) => [r.isLocal, r.role])).toEqual([[true, 1]]);
    expect(f.mi.hadr.groups.map((g) => g.name)).toEqual(['Link_Sales']);
    const miRow = f.mi.hadr.databaseReplicaStates[0];
    expect(miRow.lastHardenedLsn).toBe(db(f.mi).lastLsn);
  });

  it('grows the send queue under a partition and drains it when healed', () => {
    const f = fixture();
    f.step(2_000);
    f.link.setPartitioned(true, f.clock.now());
    f.step(20_000);
    const during = f.link.snapshots(f.clock.now())[0];
    expect(during.connected).toBe(false);
    expect(during.synchronizationState).toBe('NOT SYNCHRONIZING');
    // 20 s at 50 tps, 4 records of 256 bytes each = 1000 KB
    expect(during.logSendQueueKB).toBeGreaterThanOrEqual(950);
    expect(during.secondaryLagSeconds).toBeGreaterThanOrEqual(19);
    // the primary tracks the connection per secondary: the remote replica's row
    const remote = f.sql.hadr.replicaStates.find((r) => !r.isLocal && r.groupId === f.link.groupId);
    expect(remote?.connectedState).toBe('DISCONNECTED');
    expect(remote?.lastConnectErrorNumber).toBe(35206);
    expect(f.mi.hadr.replicaStates.find((r) => r.isLocal)?.lastConnectErrorNumber).toBe(35206);
    f.link.setPartitioned(false, f.clock.now());
    f.step(5_000);
    const after = f.link.snapshots(f.clock.now())[0];
    expect(after.connected).toBe(true);
    expect(after.logSendQueueKB).toBeLessThan(50);
    expect(after.secondaryLagSeconds).toBeLessThanOrEqual(1);
  });

  it('a slow link builds a queue that ARM refuses a planned failover for', () => {
    const f = fixture();
    f.link.setNetwork({ bandwidthKBps: 10 }, f.clock.now());
    f.step(60_000);
    expect(f.link.snapshots(f.clock.now())[0].logSendQueueKB).toBeGreaterThan(1024);
    expect(() => f.link.checkArmPlannedFailover(f.clock.now())).toThrow(expect.objectContaining({ reason: 'sendQueueTooBig' }));
  });

  it('refuses a planned failover in asynchronous mode and, after synchronous commit with the workload stopped, loses nothing', () => {
    const f = fixture();
    f.step(3_000);
    expect(() => executeAvailabilityGroupStatement(alter('ALTER AVAILABILITY GROUP [Link_Sales] FAILOVER'), 'sql-onprem', f.registry)).toThrow(
      expect.objectContaining({ number: 41142 }),
    );
    executeAvailabilityGroupStatement(
      alter(`ALTER AVAILABILITY GROUP [Link_Sales] MODIFY AVAILABILITY GROUP ON 'AG_Sales' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT), 'mi-prod' WITH (AVAILABILITY_MODE = SYNCHRONOUS_COMMIT)`),
      'sql-onprem',
      f.registry,
    );
    expect(f.sql.hadr.replicas.every((r) => r.availabilityMode === 'SYNCHRONOUS_COMMIT')).toBe(true);
    db(f.sql).workloadTps = 0;
    f.step(1_000);
    // SQL Server's own setting alone: the managed instance's side is still asynchronous (REFERENCE 3.2)
    expect(f.link.snapshots(f.clock.now())[0].synchronizationState).toBe('SYNCHRONIZING');
    expect(f.mi.hadr.replicas.every((r) => r.availabilityMode === 'ASYNCHRONOUS_COMMIT')).toBe(true);
    // its side as ARM PATCH replicationMode Sync sets it
    f.link.setAvailabilityMode('SYNCHRONOUS_COMMIT', f.clock.now(), 'instance');
    f.step(250);
    expect(f.link.snapshots(f.clock.now())[0].synchronizationState).toBe('SYNCHRONIZED');
    const before = db(f.sql).lastLsn;
    executeAvailabilityGroupStatement(alter('ALTER AVAILABILITY GROUP [Link_Sales] FAILOVER'), 'sql-onprem', f.registry);
    expect(f.link.instance.role).toBe('PRIMARY');
    expect(f.link.partner.role).toBe('SECONDARY');
    expect(db(f.mi).lastLsn).toBe(before);
    expect(f.link.lost).toEqual([]);
    expect(f.mi.hadr.replicaStates.find((r) => r.isLocal)?.role).toBe(1);
    expect(f.sql.hadr.replicaStates.find((r) => r.isLocal)?.role).toBe(2);
  });

  it('a forced failover under partition records exactly the unreplicated transactions, and the old primary claims PRIMARY too', () => {
    const f = fixture();
    f.step(2_000);
    f.link.setPartitioned(true, f.clock.now());
    f.step(10_000);
    const hardened = db(f.mi).lastLsn;
    const end = db(f.sql).lastLsn;
    const expected = recordsBetween(hardened, end) / 4;
    expect(expected).toBeGreaterThan(400);
    executeAvailabilityGroupStatement(alter('ALTER AVAILABILITY GROUP [Link_Sales] FORCE_FAILOVER_ALLOW_DATA_LOSS'), 'mi-prod', f.registry);
    expect(f.link.lost).toHaveLength(1);
    expect(f.link.lost[0]).toMatchObject({ database: 'Sales', reason: 'forcedFailover', afterLsn: hardened, throughLsn: end, transactions: expected });
    // split-brain: both sides' local replica rows say PRIMARY
    f.link.setPartitioned(false, f.clock.now());
    f.step(1_000);
    expect(f.link.isSplitBrain()).toBe(true);
    expect(f.sql.hadr.replicaStates.find((r) => r.isLocal)?.role).toBe(1);
    expect(f.mi.hadr.replicaStates.find((r) => r.isLocal)?.role).toBe(1);
    // demoting the old primary suspends it with its diverged log; RESUME reverts it (then it is lost)
    const diverged = db(f.sql).lastLsn;
    executeAvailabilityGroupStatement(alter('ALTER AVAILABILITY GROUP [Link_Sales] SET (ROLE = SECONDARY)'), 'sql-onprem', f.registry);
    expect(f.link.isSplitBrain()).toBe(false);
    expect(f.link.lost).toHaveLength(1);
    expect(f.link.database('Sales')?.suspended).toMatchObject({ side: 'partner', reason: 'SUSPEND_FROM_PARTNER' });
    expect(db(f.sql).lastLsn).toBe(diverged);
    expect(f.link.resumeDatabase('partner', 'Sales', f.clock.now())).toBe(true);
    f.step(250);
    expect(f.link.snapshots(f.clock.now())[0].synchronizationState).toBe('REVERTING');
    db(f.mi).workloadTps = 20;
    f.step(3_000);
    expect(f.link.lost[1]).toMatchObject({ reason: 'divergedPrimaryDemoted', afterLsn: end, throughLsn: diverged });
    expect(db(f.sql).lastLsn).toBeGreaterThan(hardened);
    expect(f.link.snapshots(f.clock.now())[0]).toMatchObject({ primarySide: 'instance', connected: true });
  });

  it('refuses FORCE_FAILOVER on the primary (41122) and names an unknown group (15151)', () => {
    const f = fixture();
    expect(() => executeAvailabilityGroupStatement(alter('ALTER AVAILABILITY GROUP [Link_Sales] FORCE_FAILOVER_ALLOW_DATA_LOSS'), 'sql-onprem', f.registry)).toThrow(
      expect.objectContaining({ number: 41122 }),
    );
    const other = { ...alter('ALTER AVAILABILITY GROUP [Nope] FAILOVER'), name: 'Nope' };
    let err: unknown;
    try {
      executeAvailabilityGroupStatement(other, 'sql-onprem', f.registry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).number).toBe(15151);
    expect(executeAvailabilityGroupStatement(other, 'some-other-instance', f.registry)).toEqual({ handled: false });
  });

  it('an expired endpoint certificate disconnects the link', () => {
    const f = fixture();
    f.link.setPartnerCertificate({ name: 'sql_cert', expiryDate: new Date(f.clock.now().getTime() + 5_000) }, f.clock.now());
    f.step(4_000);
    expect(f.link.snapshots(f.clock.now())[0].connected).toBe(true);
    f.step(2_000);
    const snap = f.link.snapshots(f.clock.now())[0];
    expect(snap.connected).toBe(false);
    expect(snap.mostRecentLinkError).toMatch(/Certificate expired/);
  });

  it('seeds first when not seeded, then replicates', () => {
    const clockFixture = fixture(0);
    const { sql, mi, registry, clock } = clockFixture;
    registry.remove(clockFixture.link);
    const link = registry.create({
      name: 'Seeded',
      partner: { host: sql, availabilityGroupName: 'AG2', endpointUrl: 'TCP://x:5022' },
      instance: { host: mi, availabilityGroupName: 'mi-prod', endpointUrl: 'TCP://y:5022' },
      databases: ['Sales'],
      seeded: false,
      network: { bandwidthKBps: 1024, latencyMs: 0 },
    });
    clock.advance(1_000);
    const s = link.snapshots(clock.now())[0];
    expect(s.replicaState).toBe('Seeding');
    expect(s.synchronizationState).toBe('INITIALIZING');
    expect(s.seedingPercent).toBeGreaterThan(0);
    expect(s.seedingPercent).toBeLessThan(100);
    clock.advance(3_600_000);
    expect(link.snapshots(clock.now())[0].replicaState).toBe('Catchup');
    expect(() => link.forceFailover('partner', clock.now())).toThrow(LinkRefusal);
  });
});

describe('role changes keep the log where it was written', () => {
  it('a demoted primary forced back up loses nothing of its own log', () => {
    const f = fixture();
    f.step(2_000);
    f.link.setPartitioned(true, f.clock.now());
    f.step(3_000);
    // SQL Server (the source of the pending log) is demoted, then forced up again
    f.link.setRoleSecondary('partner', f.clock.now());
    expect(f.link.primary()).toBeUndefined();
    const lost = f.link.forceFailover('partner', f.clock.now());
    expect(lost).toEqual([]);
    expect(f.link.lost).toEqual([]);
    f.link.setPartitioned(false, f.clock.now());
    f.step(3_000);
    // the MI still receives what SQL Server wrote while cut off
    expect(recordsBetween(db(f.mi).lastLsn, db(f.sql).lastLsn)).toBeLessThan(100);
  });

  it('the forwarder forced up after a demotion loses exactly the demoted side\'s unsent log', () => {
    const f = fixture();
    f.step(2_000);
    f.link.setPartitioned(true, f.clock.now());
    f.step(3_000);
    f.link.setRoleSecondary('partner', f.clock.now());
    const hardened = db(f.mi).lastLsn;
    const end = db(f.sql).lastLsn;
    const [lost] = f.link.forceFailover('instance', f.clock.now());
    expect(lost).toMatchObject({ side: 'partner', afterLsn: hardened, throughLsn: end, transactions: recordsBetween(hardened, end) / 4 });
  });

  it('a T-SQL planned failover hardens what was still in flight', () => {
    const f = fixture();
    f.link.setNetwork({ latencyMs: 2_000 }, f.clock.now());
    f.link.setAvailabilityMode('SYNCHRONOUS_COMMIT', f.clock.now());
    f.step(1_000);
    db(f.sql).workloadTps = 0;
    f.step(250);
    expect(f.link.snapshots(f.clock.now())[0].synchronizationState).toBe('SYNCHRONIZED');
    // the last chunks are sent but still within the 2 s latency
    expect(db(f.mi).lastLsn).toBeLessThan(db(f.sql).lastLsn);
    const end = db(f.sql).lastLsn;
    f.link.plannedFailover(f.clock.now());
    expect(db(f.mi).lastLsn).toBe(end);
    expect(f.link.lost).toEqual([]);
  });
});
