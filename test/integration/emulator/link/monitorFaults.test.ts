// Per-link faults through the admin API, seen as a monitor sees them: over TDS on both sides (each
// side knowing only what it can) and through ARM over HTTPS (the managed instance's view).
import sql from 'mssql';
import { monitorEstate, referenceQueries, RG, startMonitorWorld, type MonitorWorld } from './monitorWorld';

jest.setTimeout(60_000);

let world: MonitorWorld;

beforeAll(async () => {
  const estate = monitorEstate();
  estate.instances[0].databases?.push({ name: 'Orders', recoveryModel: 'FULL', workloadTps: 30 });
  estate.instances[1].databases?.push({ name: 'Orders' });
  estate.links?.push({ name: 'Link_Orders', sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG_Orders' }, managedInstance: { instance: 'mi-prod' }, databases: ['Orders'], bandwidthKBps: 2048, latencyMs: 20 });
  world = await startMonitorWorld(estate);
  world.jump(5_000);
});

afterAll(async () => {
  await world?.stop();
});

interface DbRow {
  is_local: boolean;
  synchronization_state_desc: string;
  connected_state_desc: string;
  log_send_queue_size: string | null;
  log_send_rate: string | null;
  redo_queue_size: string | null;
  redo_rate: string | null;
  secondary_lag_seconds: string | null;
  last_hardened_lsn: string | null;
  end_of_log_lsn: string | null;
  last_connect_error_number: number | null;
  last_connect_error_description: string | null;
  last_connect_error_timestamp: Date | null;
}

/** a link's database rows joined to their replica's state, as a monitor's snapshot reads them (LSNs as text) */
const rowsOf = (link: string): string => `
SELECT drs.is_local, drs.synchronization_state_desc, ars.connected_state_desc,
       drs.log_send_queue_size, drs.log_send_rate, drs.redo_queue_size, drs.redo_rate, drs.secondary_lag_seconds,
       CAST(drs.last_hardened_lsn AS varchar(30)) AS last_hardened_lsn, CAST(drs.end_of_log_lsn AS varchar(30)) AS end_of_log_lsn,
       ars.last_connect_error_number, ars.last_connect_error_description, ars.last_connect_error_timestamp
FROM sys.dm_hadr_database_replica_states drs
JOIN sys.availability_groups ag ON ag.group_id = drs.group_id
JOIN sys.dm_hadr_availability_replica_states ars ON ars.replica_id = drs.replica_id AND ars.group_id = drs.group_id
WHERE ag.name = '${link}' ORDER BY drs.is_local DESC`;

/** the primary's row for its secondary, and the secondary's own row */
async function views(link: string): Promise<{ primarysView: DbRow; secondarysOwn: DbRow; primaryOwn: DbRow }> {
  const [primaryOwn, primarysView] = await world.rows<DbRow>('sql-onprem', rowsOf(link));
  const [secondarysOwn] = await world.rows<DbRow>('mi-prod', rowsOf(link));
  return { primarysView, secondarysOwn, primaryOwn };
}

const fault = (link: string, body: unknown): Promise<{ status: number; body: unknown }> => world.admin('POST', `/instances/mi-prod/links/${link}/faults`, body);
const clear = (link: string, kind: string): Promise<{ status: number; body: unknown }> => world.admin('DELETE', `/instances/mi-prod/links/${link}/faults/${kind}`);
const armDb = async (link: string) => (await world.armClient.getLink(RG, 'mi-prod', link)).databases[0];

describe('a partition', () => {
  it('grows the lag and the send queue on the primary, freezes the secondary\'s view, and drains when healed', async () => {
    expect(await fault('Link_Sales', { kind: 'partition' })).toMatchObject({ status: 201 });
    const atCut = await views('Link_Sales');
    world.jump(30_000);
    const cut = await views('Link_Sales');
    // the primary knows its own log: the queue and the lag grow
    expect(cut.primarysView.synchronization_state_desc).toBe('NOT SYNCHRONIZING');
    expect(cut.primarysView.connected_state_desc).toBe('DISCONNECTED');
    expect(Number(cut.primarysView.log_send_queue_size)).toBeGreaterThan(1200);
    expect(Number(cut.primarysView.secondary_lag_seconds)).toBeGreaterThanOrEqual(29);
    expect(cut.primarysView.last_connect_error_number).toBe(35206);
    expect(cut.primarysView.last_connect_error_description).toMatch(/^A connection timeout has occurred on a previously established connection to availability replica 'mi-prod'/);
    expect(cut.primarysView.last_connect_error_timestamp).toBeInstanceOf(Date);
    // what the primary last heard of the secondary stands still
    expect(cut.primarysView.last_hardened_lsn).toBe(atCut.primarysView.last_hardened_lsn);
    expect(BigInt(cut.primaryOwn.end_of_log_lsn!)).toBeGreaterThan(BigInt(atCut.primaryOwn.end_of_log_lsn!));
    // the secondary knows only what it received: no growing queue there
    expect(cut.secondarysOwn.connected_state_desc).toBe('DISCONNECTED');
    expect(Number(cut.secondarysOwn.log_send_queue_size)).toBe(Number(atCut.secondarysOwn.log_send_queue_size));
    expect(cut.secondarysOwn.last_hardened_lsn).toBe(atCut.secondarysOwn.last_hardened_lsn);
    expect(cut.secondarysOwn.secondary_lag_seconds).toBeNull();
    // ARM: the managed instance's view
    const arm = await armDb('Link_Sales');
    expect(arm).toMatchObject({ connectedState: 'DISCONNECTED', synchronizationHealth: 'NOT_HEALTHY', lastHardenedLsn: cut.secondarysOwn.last_hardened_lsn });
    expect(arm.mostRecentLinkError).toMatch(/connection timeout/);

    expect(await clear('Link_Sales', 'partition')).toMatchObject({ status: 200 });
    world.jump(5_000);
    const healed = await views('Link_Sales');
    expect(healed.primarysView.synchronization_state_desc).toBe('SYNCHRONIZING');
    expect(Number(healed.primarysView.log_send_queue_size)).toBeLessThan(100);
    expect(Number(healed.primarysView.secondary_lag_seconds)).toBeLessThanOrEqual(1);
    expect(BigInt(healed.secondarysOwn.last_hardened_lsn!)).toBeGreaterThan(BigInt(cut.secondarysOwn.last_hardened_lsn!));
    // the last connection error stays on record after the reconnect
    expect(healed.primarysView.last_connect_error_number).toBe(35206);
    expect(await armDb('Link_Sales')).toMatchObject({ connectedState: 'CONNECTED', mostRecentLinkError: '' });
  });

  it('is noticed only after the session timeout (10 s): until then both sides say CONNECTED while nothing is hardened', async () => {
    const before = await views('Link_Orders');
    expect(await fault('Link_Orders', { kind: 'partition' })).toMatchObject({ status: 201 });
    world.jump(6_000);
    const silent = await views('Link_Orders');
    expect(silent.primarysView.connected_state_desc).toBe('CONNECTED');
    expect(silent.secondarysOwn.connected_state_desc).toBe('CONNECTED');
    expect(silent.primarysView.synchronization_state_desc).toBe('SYNCHRONIZING');
    // nothing flows: the primary's log moves on, what the secondary hardened does not, the lag grows
    expect(BigInt(silent.primaryOwn.end_of_log_lsn!)).toBeGreaterThan(BigInt(before.primaryOwn.end_of_log_lsn!));
    expect(silent.secondarysOwn.last_hardened_lsn).toBe((await views('Link_Orders')).secondarysOwn.last_hardened_lsn);
    expect(Number(silent.primarysView.secondary_lag_seconds)).toBeGreaterThanOrEqual(5);
    expect((await armDb('Link_Orders')).connectedState).toBe('CONNECTED');
    world.jump(5_000);
    const noticed = await views('Link_Orders');
    expect(noticed.primarysView.connected_state_desc).toBe('DISCONNECTED');
    expect(noticed.secondarysOwn.connected_state_desc).toBe('DISCONNECTED');
    expect(noticed.primarysView.last_connect_error_number).toBe(35206);
    expect((await armDb('Link_Orders')).connectedState).toBe('DISCONNECTED');
    expect(await clear('Link_Orders', 'partition')).toMatchObject({ status: 200 });
    world.jump(5_000);
  });

  it("ARM cannot know SQL Server's role while cut off: it shows the last one it heard", async () => {
    await fault('Link_Inventory', { kind: 'partition' });
    const pool = await new sql.ConnectionPool({ ...conn('sql-onprem') }).connect();
    try {
      await pool.request().batch('ALTER AVAILABILITY GROUP [Link_Inventory] SET (ROLE = SECONDARY)');
      world.jump(1_000);
      expect(await world.armClient.getLink(RG, 'mi-prod', 'Link_Inventory')).toMatchObject({ partnerLinkRole: 'Primary', instanceLinkRole: 'Secondary' });
      await clear('Link_Inventory', 'partition');
      world.jump(1_000);
      expect(await world.armClient.getLink(RG, 'mi-prod', 'Link_Inventory')).toMatchObject({ partnerLinkRole: 'Secondary' });
      // back as it was: SQL Server, whose log the pending changes are, is forced up again (no loss)
      await pool.request().batch('ALTER AVAILABILITY GROUP [Link_Inventory] FORCE_FAILOVER_ALLOW_DATA_LOSS');
      world.jump(1_000);
      expect(await world.armClient.getLink(RG, 'mi-prod', 'Link_Inventory')).toMatchObject({ partnerLinkRole: 'Primary' });
    } finally {
      await pool.close();
    }
  });
});

describe('redo faults', () => {
  it('stalled redo: the hardened LSN stops while the end of log moves, and the link stays CONNECTED', async () => {
    expect(await fault('Link_Orders', { kind: 'stalledRedo' })).toMatchObject({ status: 201 });
    world.jump(1_000);
    const before = await views('Link_Orders');
    world.jump(15_000);
    const after = await views('Link_Orders');
    expect(after.secondarysOwn.last_hardened_lsn).toBe(before.secondarysOwn.last_hardened_lsn);
    expect(after.primarysView.last_hardened_lsn).toBe(before.primarysView.last_hardened_lsn);
    expect(BigInt(after.primaryOwn.end_of_log_lsn!)).toBeGreaterThan(BigInt(before.primaryOwn.end_of_log_lsn!));
    expect(after.primarysView.connected_state_desc).toBe('CONNECTED');
    expect(after.secondarysOwn.connected_state_desc).toBe('CONNECTED');
    expect(Number(after.primarysView.log_send_queue_size)).toBeGreaterThan(300);
    expect((await armDb('Link_Orders')).connectedState).toBe('CONNECTED');
    await clear('Link_Orders', 'stalledRedo');
    world.jump(5_000);
    expect(BigInt((await views('Link_Orders')).secondarysOwn.last_hardened_lsn!)).toBeGreaterThan(BigInt(after.secondarysOwn.last_hardened_lsn!));
  });

  it('slow redo: the redo queue builds at the capped, measured redo rate; RTO follows', async () => {
    expect(await fault('Link_Sales', { kind: 'slowRedo', redoRateKBps: 10 })).toMatchObject({ status: 201 });
    world.jump(20_000);
    const { secondarysOwn, primarysView } = await views('Link_Sales');
    // 50 KB/s arrive, 10 KB/s are redone
    expect(Number(secondarysOwn.redo_queue_size)).toBeGreaterThan(600);
    expect(Number(secondarysOwn.redo_rate)).toBeGreaterThanOrEqual(9);
    expect(Number(secondarysOwn.redo_rate)).toBeLessThanOrEqual(11);
    // the primary sees what the secondary reported; RTO = redo_queue_size / redo_rate
    expect(Number(primarysView.redo_queue_size)).toBe(Number(secondarysOwn.redo_queue_size));
    const [rpo] = (await world.rows<{ db: string; est_redo_seconds: number }>('sql-onprem', referenceQueries('Link_Sales').rpo)).filter((r) => r.db === 'Sales');
    expect(rpo.est_redo_seconds).toBeGreaterThan(50);
    await clear('Link_Sales', 'slowRedo');
    world.jump(5_000);
    expect(Number((await views('Link_Sales')).secondarysOwn.redo_queue_size)).toBe(0);
  });
});

describe('the endpoint certificate', () => {
  it('expiring in 10 days shows in sys.certificates and in ARM; once expired the link disconnects (35201) until it is rotated', async () => {
    expect(await fault('Link_Sales', { kind: 'certificateExpiry', expiresInDays: 10 })).toMatchObject({ status: 201 });
    const [cert] = await world.rows<{ name: string; expiry_date: Date }>('sql-onprem', "SELECT name, expiry_date FROM sys.certificates WHERE pvt_key_encryption_type = 'MK'");
    const inTenDays = world.clock.now().getTime() + 10 * 86_400_000;
    expect(Math.abs(cert.expiry_date.getTime() - inTenDays)).toBeLessThan(60_000);
    const arm = await armDb('Link_Sales');
    expect(arm.partnerAuthCertValidity).toEqual({ certificateName: cert.name, expiryDate: expect.any(Date) });
    expect(Math.abs((arm.partnerAuthCertValidity?.expiryDate as Date).getTime() - inTenDays)).toBeLessThan(60_000);
    // every link of that SQL Server shares its endpoint, and its certificate
    expect(Math.abs(((await armDb('Link_Orders')).partnerAuthCertValidity?.expiryDate as Date).getTime() - inTenDays)).toBeLessThan(60_000);
    expect(arm.connectedState).toBe('CONNECTED');

    await fault('Link_Sales', { kind: 'certificateExpiry', expiryDate: new Date(world.clock.now().getTime() - 1_000).toISOString() });
    world.jump(2_000);
    const expired = await views('Link_Sales');
    expect(expired.primarysView.connected_state_desc).toBe('DISCONNECTED');
    expect(expired.primarysView.last_connect_error_number).toBe(35201);
    expect((await armDb('Link_Sales')).mostRecentLinkError).toMatch(/Certificate expired/);
    expect(await clear('Link_Sales', 'certificateExpiry')).toMatchObject({ status: 200 });
    world.jump(3_000);
    expect((await views('Link_Sales')).primarysView.connected_state_desc).toBe('CONNECTED');
    const [rotated] = await world.rows<{ expiry_date: Date }>('sql-onprem', "SELECT expiry_date FROM sys.certificates WHERE pvt_key_encryption_type = 'MK'");
    expect(rotated.expiry_date.getTime()).toBeGreaterThan(inTenDays);
  });
});

describe('a link error', () => {
  it('shows as LinkInitError with mostRecentLinkError in ARM, and as the last connect error in the replica states', async () => {
    expect(await fault('Link_Orders', { kind: 'linkError', errorNumber: 41973 })).toMatchObject({ status: 201 });
    world.jump(1_000);
    const arm = await armDb('Link_Orders');
    expect(arm).toMatchObject({ replicaState: 'LinkInitError', connectedState: 'DISCONNECTED' });
    expect(arm.mostRecentLinkError).toMatch(/certificate was not imported into the managed instance/);
    const { primarysView, secondarysOwn } = await views('Link_Orders');
    for (const row of [primarysView, secondarysOwn]) {
      expect(row).toMatchObject({ last_connect_error_number: 41973, connected_state_desc: 'DISCONNECTED' });
      expect(row.last_connect_error_description).toBe(arm.mostRecentLinkError);
    }
    await clear('Link_Orders', 'linkError');
    world.jump(2_000);
    expect(await armDb('Link_Orders')).toMatchObject({ replicaState: 'Catchup', connectedState: 'CONNECTED' });
  });

  it('refuses malformed faults, and says when a fault to clear is not on', async () => {
    expect(await fault('Link_Orders', { kind: 'linkError', errorNumber: 12345 })).toMatchObject({ status: 400 });
    expect(await fault('Link_Orders', { kind: 'meteor' })).toMatchObject({ status: 400 });
    expect(await fault('Link_Orders', { kind: 'slowRedo' })).toMatchObject({ status: 400 });
    expect(await clear('Link_Orders', 'partition')).toMatchObject({ status: 404 });
    expect(await world.admin('POST', '/instances/mi-prod/links/No_Such_Link/faults', { kind: 'partition' })).toMatchObject({ status: 404 });
    const all = (await world.admin('GET', '/links')).body as { links: { name: string; faults: unknown[] }[] };
    expect(all.links.map((l) => l.name).sort()).toEqual(['Link_Inventory', 'Link_Orders', 'Link_Sales']);
  });
});

describe('both sides primary', () => {
  it("split brain: each side's local replica says PRIMARY (REFERENCE 3.7), and ARM shows both roles Primary", async () => {
    expect(await fault('Link_Orders', { kind: 'splitBrain' })).toMatchObject({ status: 201 });
    world.jump(1_000);
    const detect = `DECLARE @link_name varchar(max) = 'Link_Orders';
SELECT ag.name AS link_name, rs.role_desc AS link_role
FROM sys.availability_groups ag
JOIN sys.dm_hadr_availability_replica_states rs ON ag.group_id = rs.group_id
WHERE rs.is_local = 1 AND ag.name = @link_name;`;
    expect(await world.rows('sql-onprem', detect)).toEqual([{ link_name: 'Link_Orders', link_role: 'PRIMARY' }]);
    expect(await world.rows('mi-prod', detect)).toEqual([{ link_name: 'Link_Orders', link_role: 'PRIMARY' }]);
    expect(await world.armClient.getLink(RG, 'mi-prod', 'Link_Orders')).toMatchObject({ instanceLinkRole: 'Primary', partnerLinkRole: 'Primary' });
    // cleared as the docs repair it: the old primary (SQL Server) is demoted
    expect(await clear('Link_Orders', 'splitBrain')).toMatchObject({ status: 200 });
    world.jump(1_000);
    expect(await world.rows('sql-onprem', detect)).toEqual([{ link_name: 'Link_Orders', link_role: 'SECONDARY' }]);
    expect(await world.armClient.getLink(RG, 'mi-prod', 'Link_Orders')).toMatchObject({ instanceLinkRole: 'Primary', partnerLinkRole: 'Secondary' });
  });
});

describe('the log while the link holds it', () => {
  const logUsed = async (): Promise<number> => {
    const rows = await world.rows<Record<string, unknown>>('sql-onprem', 'DBCC SQLPERF(LOGSPACE)');
    return Number(rows.find((r) => r['Database Name'] === 'Sales')?.['Log Space Used (%)']);
  };
  const reuseWait = async (): Promise<string> => (await world.rows<{ w: string }>('sql-onprem', "SELECT log_reuse_wait_desc AS w FROM sys.databases WHERE name = 'Sales'"))[0].w;

  it('fills while partitioned (a log backup cannot truncate past what the secondary hardened) and empties after catch-up and a log backup', async () => {
    const pool = await new sql.ConnectionPool(conn('sql-onprem')).connect();
    try {
      await pool.request().batch("BACKUP DATABASE [Sales] TO DISK = 'NUL'");
      await pool.request().batch("BACKUP LOG [Sales] TO DISK = 'NUL'");
      const start = await logUsed();
      expect(start).toBeLessThan(10);
      await fault('Link_Sales', { kind: 'partition' });
      world.jump(60_000);
      await pool.request().batch("BACKUP LOG [Sales] TO DISK = 'NUL'");
      const held = await logUsed();
      // 60 s x 50 KB/s of log in an 8 MB file, kept for the replica
      expect(held).toBeGreaterThan(start + 25);
      expect(await reuseWait()).toBe('AVAILABILITY_REPLICA');
      await clear('Link_Sales', 'partition');
      world.jump(5_000);
      // caught up, but nothing truncated it yet
      expect(Number((await views('Link_Sales')).primarysView.log_send_queue_size)).toBeLessThan(100);
      expect(await logUsed()).toBeGreaterThan(held - 5);
      expect(await reuseWait()).toBe('LOG_BACKUP');
      await pool.request().batch("BACKUP LOG [Sales] TO DISK = 'NUL'");
      expect(await logUsed()).toBeLessThan(10);
      const [media] = await world.rows<{ device_type: number; physical_device_name: string }>(
        'sql-onprem',
        "SELECT TOP 1 f.device_type, f.physical_device_name FROM msdb.dbo.backupset s JOIN msdb.dbo.backupmediafamily f ON f.media_set_id = s.media_set_id WHERE s.type = 'L' ORDER BY s.backup_set_id DESC",
      );
      expect(media).toEqual({ device_type: 2, physical_device_name: 'NUL' });
    } finally {
      await pool.close();
    }
  });
});

function conn(name: string): sql.config {
  const r = world.estate.find(name);
  return { server: r.host, port: r.port, user: r.user, password: r.password, options: { encrypt: true, trustServerCertificate: true } };
}
