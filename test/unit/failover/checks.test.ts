// The playbooks' pure verdicts: prechecks per type, the LSN comparison, the roles after a change.
import { validateEstate } from '../../../shared/config/validate';
import { compareLsns, failedChecks, precheck, rolesAre, type SideFacts } from '../../../shared/failover/checks';
import type { LinkObservation, SideState } from '../../../shared/failover/sides';

const estate = validateEstate(
  {
    instances: [
      { name: 'sql-onprem', kind: 'sqlServer', endpoint: { host: 'h' }, auth: { type: 'sql', user: 'u', passwordSetting: 'P' } },
      { name: 'mi-prod', kind: 'managedInstance', endpoint: { host: 'm' }, armResourceId: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/mi-prod', auth: { type: 'sql', user: 'u', passwordSetting: 'P' } },
    ],
    links: [{ name: 'Link_Sales', sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Sales' }, managedInstance: { instance: 'mi-prod' }, distributedAvailabilityGroup: 'Link_Sales', databases: ['Sales'] }],
  },
  'test',
);
const link = estate.links[0];

function side(s: Partial<SideState> & Pick<SideState, 'side' | 'instance'>): SideState {
  return { modes: {}, missing: false, databases: [], ...s };
}

function obs(o: { sql?: Partial<SideState>; mi?: Partial<SideState>; arm?: LinkObservation['arm'] } = {}): LinkObservation {
  return {
    at: '2026-12-06T10:00:00Z',
    sqlServer: side({ side: 'sqlServer', instance: 'sql-onprem', role: 'PRIMARY', ownReplicaName: 'AG_Sales', partnerReplicaName: 'mi-prod', databases: [{ database: 'Sales', synchronizationState: 'SYNCHRONIZED', lastHardenedLsn: '1000' }], ...o.sql }),
    managedInstance: side({ side: 'managedInstance', instance: 'mi-prod', role: 'SECONDARY', databases: [{ database: 'Sales', synchronizationState: 'SYNCHRONIZED', lastHardenedLsn: '1000' }], ...o.mi }),
    arm: o.arm === undefined ? { id: 'x', name: 'Link_Sales', instanceLinkRole: 'Secondary', partnerLinkRole: 'Primary', replicationMode: 'Async', failoverMode: 'Manual', databases: [] } : o.arm,
  };
}

const good: SideFacts = { sqlServerMajorVersion: 16, databaseFormat: 'SQLServer2022', protector: 'AzureKeyVault', encryptedDatabases: ['Sales'] };

test('a planned failover on a healthy, two-way link passes every check', () => {
  const p = precheck('planned', {}, link, obs(), good);
  expect(failedChecks(p.checks)).toEqual([]);
  expect(p).toMatchObject({ from: 'sqlServer', to: 'managedInstance', replicas: { sqlServer: 'AG_Sales', managedInstance: 'mi-prod' } });
});

test('a planned failover says when the way back will be closed, without refusing', () => {
  const p = precheck('planned', {}, link, obs(), { ...good, databaseFormat: 'AlwaysUpToDate' });
  expect(failedChecks(p.checks)).toEqual([]);
  expect(p.checks.find((c) => c.code === 'FAILBACK_PATH')?.message).toMatch(/a failback will not be possible: .*AlwaysUpToDate/);
});

test('a failback is refused for service-managed TDE on an encrypted database, allowed when nothing is encrypted', () => {
  const back = obs({ sql: { role: 'SECONDARY' }, mi: { role: 'PRIMARY' } });
  const smk = precheck('failback', {}, link, back, { ...good, protector: 'ServiceManaged' });
  expect(failedChecks(smk.checks).map((c) => c.code)).toEqual(['FAILBACK_ALLOWED']);
  expect(failedChecks(smk.checks)[0].message).toMatch(/Sales is encrypted with service-managed TDE/);
  const plain = precheck('failback', {}, link, back, { ...good, protector: 'ServiceManaged', encryptedDatabases: [] });
  expect(failedChecks(plain.checks)).toEqual([]);
  const old = precheck('failback', {}, link, back, { ...good, sqlServerMajorVersion: 15 });
  expect(failedChecks(old.checks)[0].message).toMatch(/SQL Server 15\.0; only SQL Server 2022 and later/);
});

test('a planned failover refuses wrong roles, a suspended database and a one-way link', () => {
  const p = precheck('planned', {}, link, obs({ sql: { role: 'SECONDARY' }, mi: { databases: [{ database: 'Sales', isSuspended: true }] }, arm: { id: 'x', name: 'l', failoverMode: 'None', databases: [] } }), good);
  expect(failedChecks(p.checks).map((c) => c.code).sort()).toEqual(['ROLE_SQL_SERVER', 'SYNCHRONIZING_MANAGED_INSTANCE', 'TWO_WAY_LINK']);
});

test('a forced failover needs the primary down and the secondary answering; the target is the side that answers', () => {
  const down = obs({ sql: { unreachable: 'connection refused', role: undefined, databases: [] } });
  const p = precheck('forced', {}, link, down, {});
  expect(failedChecks(p.checks)).toEqual([]);
  expect(p).toMatchObject({ from: 'sqlServer', to: 'managedInstance' });
  const up = precheck('forced', {}, link, obs(), {});
  expect(failedChecks(up.checks).map((c) => c.code)).toEqual(['PRIMARY_DOWN']);
});

test('a split-brain repair needs both sides primary and the side to keep', () => {
  const both = obs({ mi: { role: 'PRIMARY' } });
  expect(failedChecks(precheck('split-brain-repair', {}, link, both, {}).checks).map((c) => c.code)).toEqual(['SIDE_TO_KEEP']);
  const p = precheck('split-brain-repair', { keep: 'managedInstance' }, link, both, {});
  expect(failedChecks(p.checks)).toEqual([]);
  expect(p).toMatchObject({ from: 'sqlServer', to: 'managedInstance' });
  expect(failedChecks(precheck('split-brain-repair', { keep: 'managedInstance' }, link, obs(), {}).checks)[0].message).toMatch(/no split brain/);
});

test('LSNs: the secondary must have hardened what the primary had, SYNCHRONIZED unless the caller does not ask for it', () => {
  expect(compareLsns(link, obs(), 'sqlServer').match).toBe(true);
  const behind = obs({ mi: { databases: [{ database: 'Sales', synchronizationState: 'SYNCHRONIZED', lastHardenedLsn: '999' }] } });
  expect(compareLsns(link, behind, 'sqlServer')).toMatchObject({ match: false, why: 'Sales: mi-prod has hardened up to 999, sql-onprem up to 1000' });
  // LSNs beyond 2^53 compare exactly
  const big = obs({ sql: { databases: [{ database: 'Sales', synchronizationState: 'SYNCHRONIZED', lastHardenedLsn: '71000009408100002' }] }, mi: { databases: [{ database: 'Sales', synchronizationState: 'SYNCHRONIZED', lastHardenedLsn: '71000009408100001' }] } });
  expect(compareLsns(link, big, 'sqlServer').match).toBe(false);
  const async = obs({ mi: { databases: [{ database: 'Sales', synchronizationState: 'SYNCHRONIZING', lastHardenedLsn: '1000' }] } });
  expect(compareLsns(link, async, 'sqlServer').match).toBe(false);
  expect(compareLsns(link, async, 'sqlServer', false).match).toBe(true);
  // the managed instance's LSN from ARM when its DMV row has none
  const fromArm = obs({ mi: { databases: [{ database: 'Sales', synchronizationState: 'SYNCHRONIZED' }] }, arm: { id: 'x', name: 'l', databases: [{ databaseName: 'Sales', lastHardenedLsn: '1000' }] } });
  expect(compareLsns(link, fromArm, 'sqlServer').match).toBe(true);
});

test('roles after a change: both sides, or only the new primary when the old one is down', () => {
  const after = obs({ sql: { role: 'SECONDARY' }, mi: { role: 'PRIMARY' } });
  expect(rolesAre(after, 'managedInstance', true)).toEqual({ ok: true, message: 'mi-prod is PRIMARY, sql-onprem is SECONDARY' });
  const down = obs({ sql: { unreachable: 'x', role: undefined }, mi: { role: 'PRIMARY' } });
  expect(rolesAre(down, 'managedInstance', true).ok).toBe(false);
  expect(rolesAre(down, 'managedInstance', false)).toEqual({ ok: true, message: 'mi-prod is PRIMARY, sql-onprem does not answer' });
});
