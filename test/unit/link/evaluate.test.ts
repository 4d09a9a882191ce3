// The link-health evaluator: every reason code, the numbers, and hysteresis, on hand-built samples.
import { decide, observe, type LinkTopology } from '../../../shared/link/evaluate';
import type { LinkHealthRecord, LinkMetrics, LinkSample, LinkThresholds, SideView } from '../../../shared/link/types';

const NOW = new Date('2026-12-05T12:00:00.000Z');
const topology: LinkTopology = { name: 'Link_Sales', distributedAvailabilityGroup: 'Link_Sales', sqlServerInstance: 'sql-onprem', managedInstance: 'mi-prod', primary: 'sqlServer', databases: ['Sales'] };
const thresholds: LinkThresholds = { maxLagSeconds: 60, maxLogSendQueueKb: 1_048_576, maxRedoQueueKb: 1_048_576, samplesToChange: 3, certificateWarningDays: 30, maxLogUsedPercent: 80, confirmSeconds: 10 };

interface Tweaks {
  lag?: number;
  sendQueue?: number;
  redoQueue?: number;
  redoRate?: number;
  hardened?: string;
  endOfLog?: string;
  primaryCommit?: string;
  secondaryCommit?: string;
  connected?: boolean;
  syncState?: string;
  sqlRole?: SideView['role'];
  miRole?: SideView['role'];
}

function sample(t: Tweaks = {}, more: Partial<LinkSample> = {}): LinkSample {
  const primaryCommit = t.primaryCommit ?? '2026-12-05T11:59:59.000Z';
  const sql: SideView = {
    instance: 'sql-onprem',
    role: t.sqlRole ?? 'PRIMARY',
    remoteConnected: t.connected ?? true,
    remoteHealth: 'HEALTHY',
    databases: [
      { database: 'Sales', local: true, synchronizationState: 'SYNCHRONIZED', lastCommitTime: primaryCommit, endOfLogLsn: t.endOfLog ?? '5000' },
      {
        database: 'Sales',
        local: false,
        synchronizationState: t.syncState ?? 'SYNCHRONIZING',
        secondaryLagSeconds: t.lag ?? 2,
        logSendQueueKb: t.sendQueue ?? 10,
        lastCommitTime: t.secondaryCommit ?? '2026-12-05T11:59:57.000Z',
        lastHardenedLsn: t.hardened ?? '4990',
      },
    ],
  };
  const mi: SideView = {
    instance: 'mi-prod',
    role: t.miRole ?? 'SECONDARY',
    databases: [{ database: 'Sales', local: true, synchronizationState: t.syncState ?? 'SYNCHRONIZING', redoQueueKb: t.redoQueue ?? 40, redoRateKbps: t.redoRate ?? 20, lastHardenedLsn: t.hardened ?? '4990' }],
  };
  return {
    link: 'Link_Sales',
    at: NOW.toISOString(),
    sqlServer: sql,
    managedInstance: mi,
    sqlServerExtras: { logUsedPercent: { Sales: 12 }, certificateExpiry: '2027-12-01T00:00:00.000Z', certificateName: 'sql-onprem_link_cert' },
    arm: { instanceLinkRole: 'Secondary', partnerLinkRole: 'Primary', databases: [{ database: 'Sales', replicaState: 'Catchup', synchronizationHealth: 'HEALTHY', connectedState: 'CONNECTED' }] },
    ...more,
  };
}

const codes = (s: LinkSample, prev?: LinkMetrics): string[] => observe(s, prev, topology, thresholds, NOW).reasons.map((r) => r.code);

describe('observe: each sample on its own', () => {
  test('a steady link is healthy, with its lag, RPO and RTO', () => {
    const o = observe(sample(), undefined, topology, thresholds, NOW);
    expect(o.observed).toBe('healthy');
    expect(o.reasons).toEqual([]);
    expect(o.metrics).toMatchObject({ primary: 'sqlServer', roles: { sqlServer: 'PRIMARY', managedInstance: 'SECONDARY' }, lagSeconds: 2, rpoSeconds: 2, rtoSeconds: 2, logSendQueueKb: 10, redoQueueKb: 40 });
  });

  test('every reason code, with its severity', () => {
    const unreachable = observe(sample({}, { managedInstance: { unreachable: 'connect ECONNREFUSED 127.0.0.1:14332' } }), undefined, topology, thresholds, NOW);
    expect(unreachable).toMatchObject({ observed: 'unknown', reasons: [{ code: 'INSTANCE_UNREACHABLE', message: 'mi-prod could not be read: connect ECONNREFUSED 127.0.0.1:14332' }] });
    expect(codes(sample({}, { managedInstance: null }))).toEqual(['LINK_MISSING']);
    expect(observe(sample({ miRole: 'PRIMARY' }), undefined, topology, thresholds, NOW)).toMatchObject({ observed: 'broken', reasons: [{ code: 'SPLIT_BRAIN' }] });
    expect(codes(sample({ sqlRole: 'SECONDARY', miRole: 'PRIMARY' }))).toEqual(['ROLE_DRIFT']);
    expect(codes(sample({ connected: false }))).toEqual(['DISCONNECTED']);
    expect(codes(sample({ syncState: 'NOT SYNCHRONIZING' }))).toEqual(['NOT_SYNCHRONIZING']);
    expect(codes(sample({ lag: 75 }))).toEqual(['LAG_ABOVE_THRESHOLD']);
    expect(codes(sample({ sendQueue: 2_000_000 }))).toEqual(['LAG_ABOVE_THRESHOLD']);
    expect(codes(sample({ redoQueue: 2_000_000 }))).toEqual(['LAG_ABOVE_THRESHOLD']);
    const previous = observe(sample({ hardened: '4990', endOfLog: '5000' }), undefined, topology, thresholds, NOW).metrics;
    expect(observe(sample({ hardened: '4990', endOfLog: '5600' }), previous, topology, thresholds, NOW)).toMatchObject({ observed: 'degraded', reasons: [{ code: 'STALLED', severity: 'degraded' }] });
    expect(codes(sample({ hardened: '5590', endOfLog: '5600' }), previous)).toEqual([]);
    const linkError = sample({}, { arm: { databases: [{ database: 'Sales', replicaState: 'LinkInitError', mostRecentLinkError: '41973: the SQL Server endpoint certificate is not imported into the managed instance' }] } });
    expect(observe(linkError, undefined, topology, thresholds, NOW)).toMatchObject({ observed: 'broken', reasons: [{ code: 'LINK_ERROR', message: expect.stringContaining('41973') }] });
    const seeding = sample({}, { arm: { databases: [{ database: 'Sales', replicaState: 'Seeding', seedingProgress: '30%' }] } });
    expect(observe(seeding, undefined, topology, thresholds, NOW)).toMatchObject({ observed: 'degraded', reasons: [{ code: 'SEEDING', message: 'Sales is still being seeded to mi-prod (30%)' }] });
    const expiring = sample({}, { sqlServerExtras: { logUsedPercent: {}, certificateExpiry: '2026-12-15T00:00:00.000Z' } });
    expect(observe(expiring, undefined, topology, thresholds, NOW)).toMatchObject({ observed: 'degraded', reasons: [{ code: 'CERTIFICATE_EXPIRING', message: expect.stringContaining('expires on 2026-12-15, in 9 days') }] });
    const expired = sample({}, { sqlServerExtras: { logUsedPercent: {}, certificateExpiry: '2026-12-01T00:00:00.000Z' } });
    expect(observe(expired, undefined, topology, thresholds, NOW).observed).toBe('broken');
    const filling = sample({}, { sqlServerExtras: { logUsedPercent: { Sales: 91 } } });
    expect(observe(filling, undefined, topology, thresholds, NOW)).toMatchObject({ observed: 'degraded', reasons: [{ code: 'LOG_FILLING', message: expect.stringContaining('91% full') }] });
  });

  test('the worst reason decides; an unreachable side is unknown, never healthy', () => {
    expect(observe(sample({ lag: 75, connected: false }), undefined, topology, thresholds, NOW).observed).toBe('broken');
    expect(observe(sample({}, { sqlServer: { unreachable: 'login failed' } }), undefined, topology, thresholds, NOW).observed).toBe('unknown');
    // ARM not answering: both sides' DMVs still tell the health, and the sample says what it could not check
    expect(observe(sample({}, { arm: { unreachable: 'ARM answered 503' } }), undefined, topology, thresholds, NOW)).toMatchObject({ observed: 'healthy', notes: [expect.stringContaining('ARM answered 503')] });
    expect(codes(sample({}, { arm: null }))).toEqual(['LINK_MISSING']);
  });
});

describe('decide: hysteresis', () => {
  const run = (samples: LinkSample[], start?: LinkHealthRecord) => {
    let record = start;
    const transitions: string[] = [];
    for (const s of samples) {
      const obs = observe(s, record?.metrics, topology, thresholds, NOW);
      const d = decide(record, 'Link_Sales', obs, thresholds, s.at);
      if (d.transition) transitions.push(`${d.transition.from ?? '-'}->${d.transition.to}`);
      record = d.record;
    }
    return { record: record as LinkHealthRecord, transitions };
  };
  const healthy = run([sample()]).record;

  test('the first sample sets the state; N-1 agreeing samples change nothing, N do', () => {
    expect(run([sample()]).transitions).toEqual(['-->healthy']);
    expect(run([sample({ lag: 90 }), sample({ lag: 90 })], healthy)).toMatchObject({ record: { state: 'healthy', observed: 'degraded' }, transitions: [] });
    expect(run([sample({ lag: 90 }), sample({ lag: 90 })], healthy).record.message).toBe('healthy (the last 2 of 3 samples needed say degraded: Sales on mi-prod is 90 s behind (threshold 60 s))');
    expect(run([sample({ lag: 90 }), sample({ lag: 90 }), sample({ lag: 90 })], healthy)).toMatchObject({ record: { state: 'degraded' }, transitions: ['healthy->degraded'] });
  });

  test('degraded, then broken, then healthy again: one transition each', () => {
    const partition = [sample({ lag: 90 }), sample({ lag: 95 }), sample({ lag: 100, connected: false }), sample({ lag: 110, connected: false }), sample({ lag: 120, connected: false })];
    const healed = [sample(), sample(), sample()];
    expect(run([...partition, ...healed], healthy).transitions).toEqual(['healthy->degraded', 'degraded->broken', 'broken->healthy']);
    // broken at once after N broken samples, without stopping at degraded
    expect(run([sample({ connected: false }), sample({ connected: false }), sample({ connected: false })], healthy).transitions).toEqual(['healthy->broken']);
  });

  test('a broken link catching up leaves broken only after N samples that are not broken', () => {
    const broken = run([sample({ connected: false }), sample({ connected: false }), sample({ connected: false })], healthy).record;
    // the first sample after the partition heals still shows lag: one such sample is not a change
    expect(run([sample({ lag: 90 }), sample(), sample(), sample()], broken).transitions).toEqual(['broken->healthy']);
    expect(run([sample({ lag: 90 }), sample()], broken).record).toMatchObject({ state: 'broken', observed: 'healthy' });
    // a lasting catch-up is degraded after N samples, and healthy after N more
    expect(run([sample({ lag: 90 }), sample({ lag: 80 }), sample({ lag: 70 }), sample(), sample(), sample()], broken).transitions).toEqual(['broken->degraded', 'degraded->healthy']);
  });

  test('a flapping link never changes state', () => {
    const flapping = Array.from({ length: 12 }, (_, i) => (i % 2 ? sample() : sample({ connected: false })));
    expect(run(flapping, healthy)).toMatchObject({ record: { state: 'healthy' }, transitions: [] });
  });

  test('split brain is reported at the first sample; an unreachable side makes it unknown at once', () => {
    expect(run([sample({ miRole: 'PRIMARY' })], healthy).transitions).toEqual(['healthy->broken']);
    const down = run([sample({}, { managedInstance: { unreachable: 'connect ECONNREFUSED' } })], healthy);
    expect(down).toMatchObject({ record: { state: 'unknown', reasons: [{ code: 'INSTANCE_UNREACHABLE' }] }, transitions: ['healthy->unknown'] });
    // back: healthy again only after N healthy samples
    expect(run([sample(), sample()], down.record).record.state).toBe('unknown');
    expect(run([sample(), sample(), sample()], down.record).transitions).toEqual(['unknown->healthy']);
  });

  test('the record keeps when it entered the state and a version per sample', () => {
    const a = run([sample()]).record;
    const b = decide(a, 'Link_Sales', observe({ ...sample(), at: '2026-12-05T12:01:00.000Z' }, a.metrics, topology, thresholds, NOW), thresholds, '2026-12-05T12:01:00.000Z').record;
    expect(b).toMatchObject({ since: a.since, version: a.version + 1, sampledAt: '2026-12-05T12:01:00.000Z' });
  });
});
