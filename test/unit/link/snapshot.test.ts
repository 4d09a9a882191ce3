// What one instance's DMV batch turns into: each side's view per link, only what that side can know.
import { parseSnapshot, snapshotBatch } from '../../../shared/link/snapshot';

const t = (iso: string): Date => new Date(iso);

describe('the DMV batch', () => {
  test('reads distributed groups only, casts LSNs to text, and asks SQL Server alone for its certificate and log space', () => {
    const sqlServer = snapshotBatch('sqlServer');
    expect(sqlServer).toMatch(/ag\.is_distributed = 1/);
    expect(sqlServer).toMatch(/CAST\(drs\.last_hardened_lsn AS varchar\(30\)\)/);
    expect(sqlServer).toMatch(/CAST\(drs\.end_of_log_lsn AS varchar\(30\)\)/);
    expect(sqlServer).toMatch(/sys\.database_mirroring_endpoints/);
    expect(sqlServer).toMatch(/DBCC SQLPERF\(LOGSPACE\)/);
    expect(snapshotBatch('managedInstance')).not.toMatch(/SQLPERF|sys\.certificates/);
  });
});

describe('parseSnapshot', () => {
  test('the primary sees its partner, its own log and the secondary\'s lag; LSNs stay exact', () => {
    const s = parseSnapshot('sql-onprem', 'sqlServer', {
      replicas: [
        { dag: 'Link_Sales', replica: 'AG_Sales', is_local: true, role_desc: 'PRIMARY', connected_state_desc: 'CONNECTED', synchronization_health_desc: 'HEALTHY', last_connect_error_number: null },
        { dag: 'Link_Sales', replica: 'mi-prod', is_local: false, role_desc: 'SECONDARY', connected_state_desc: 'DISCONNECTED', synchronization_health_desc: 'NOT_HEALTHY', last_connect_error_number: 35206, last_connect_error_description: 'A connection timeout has occurred', last_connect_error_timestamp: t('2026-12-05T11:59:00Z') },
      ],
      databases: [
        { dag: 'Link_Sales', db: 'Sales', is_local: true, is_primary_replica: true, synchronization_state_desc: 'SYNCHRONIZED', last_commit_time: t('2026-12-05T12:00:00Z'), end_of_log_lsn: '71000009408100001', last_hardened_lsn: null },
        { dag: 'Link_Sales', db: 'Sales', is_local: false, is_primary_replica: false, synchronization_state_desc: 'NOT SYNCHRONIZING', secondary_lag_seconds: 42, log_send_queue_size: 1200, log_send_rate: 0, redo_queue_size: 0, redo_rate: 15, last_commit_time: t('2026-12-05T11:59:18Z'), last_hardened_lsn: '71000009400000001' },
      ],
      seeding: [],
      certificates: [
        { name: 'old_cert', expiry_date: t('2026-12-20T00:00:00Z') },
        { name: 'new_cert', expiry_date: t('2027-06-01T00:00:00Z') },
      ],
      logSpace: [
        { 'Database Name': 'Sales', 'Log Size (MB)': 512, 'Log Space Used (%)': 83.5, Status: 0 },
        { 'Database Name': 'master', 'Log Size (MB)': 2, 'Log Space Used (%)': 40, Status: 0 },
      ],
    });
    const side = s.links.get('link_sales');
    expect(side).toMatchObject({
      instance: 'sql-onprem',
      role: 'PRIMARY',
      remoteConnected: false,
      remoteHealth: 'NOT_HEALTHY',
      lastConnectError: { number: 35206, description: 'A connection timeout has occurred', at: '2026-12-05T11:59:00.000Z' },
    });
    expect(side?.databases).toEqual([
      expect.objectContaining({ database: 'Sales', local: true, endOfLogLsn: '71000009408100001', lastCommitTime: '2026-12-05T12:00:00.000Z' }),
      expect.objectContaining({ database: 'Sales', local: false, secondaryLagSeconds: 42, logSendQueueKb: 1200, lastHardenedLsn: '71000009400000001', synchronizationState: 'NOT SYNCHRONIZING' }),
    ]);
    // the certificate to rotate first is the one that expires first
    expect(s.extras).toEqual({ certificateName: 'old_cert', certificateExpiry: '2026-12-20T00:00:00.000Z', logUsedPercent: { Sales: 83.5, master: 40 } });
  });

  test('a secondary sees only itself; seeding in progress is reported with its percent, finished seeding is not', () => {
    const s = parseSnapshot('mi-prod', 'managedInstance', {
      replicas: [{ dag: 'Link_Sales', is_local: 1, role_desc: 'SECONDARY', connected_state_desc: 'CONNECTED', synchronization_health_desc: 'HEALTHY' }],
      databases: [{ dag: 'Link_Sales', db: 'Sales', is_local: 1, is_primary_replica: 0, synchronization_state_desc: 'SYNCHRONIZING', redo_queue_size: 300, redo_rate: 100 }],
      seeding: [
        { db: 'Sales', database_size_bytes: 4_000_000_000, transferred_size_bytes: 1_000_000_000, current_state: 'SEEDING' },
        { db: 'Billing', database_size_bytes: 100, transferred_size_bytes: 100, current_state: 'COMPLETED' },
      ],
      certificates: [],
      logSpace: [],
    });
    const side = s.links.get('link_sales');
    expect(side?.role).toBe('SECONDARY');
    // a secondary cannot see its partner: nothing is claimed about the connection from here
    expect(side?.remoteConnected).toBeUndefined();
    expect(side?.seeding).toEqual({ sales: 25 });
    expect(s.extras).toBeUndefined();
  });

  test('an instance without links has none, and a row without a group or database is skipped', () => {
    const s = parseSnapshot('sql-dev', 'sqlServer', { replicas: [{ dag: null }], databases: [{ dag: 'X', db: null }], seeding: [], certificates: [], logSpace: [] });
    expect([...s.links.keys()]).toEqual([]);
    expect(s.extras).toEqual({ logUsedPercent: {}, certificateExpiry: undefined, certificateName: undefined });
  });
});
