// What a link-health monitor reads over TDS, through the real clients: every view, DMV and DBCC it
// needs answers with SQL Server's documented columns and wire types (tinyint and smallint as such);
// REFERENCE 4.3's four queries run verbatim on both sides, with rows on the primary and the
// documented empty or secondary-only answers on the secondary (mssql and FreeTDS); the values
// move with the workload.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sql from 'mssql';
import { eventually, hasTsql, referenceQueries, startMonitorWorld, type MonitorWorld } from './monitorWorld';

jest.setTimeout(60_000);

let world: MonitorWorld;

beforeAll(async () => {
  world = await startMonitorWorld();
  world.jump(12_000);
});

afterAll(async () => {
  await world?.stop();
});

const q = referenceQueries('Link_Sales');

describe('the catalog views and DMVs a monitor reads', () => {
  it('sys.certificates shows the endpoint certificate with a real expiry, beside the imported ones', async () => {
    const { rows, types } = await world.query<{ name: string; certificate_id: number; pvt_key_encryption_type: string; pvt_key_encryption_type_desc: string; issuer_name: string; subject: string; expiry_date: Date; start_date: Date; thumbprint: Buffer }>(
      'sql-onprem',
      'SELECT name, certificate_id, principal_id, pvt_key_encryption_type, pvt_key_encryption_type_desc, issuer_name, subject, expiry_date, start_date, thumbprint, cert_serial_number, key_length FROM sys.certificates ORDER BY certificate_id',
    );
    const endpoint = rows.find((r) => r.pvt_key_encryption_type === 'MK');
    expect(endpoint).toMatchObject({ name: 'Cert_sql-onprem_endpoint', pvt_key_encryption_type_desc: 'ENCRYPTED_BY_MASTER_KEY' });
    const days = (endpoint!.expiry_date.getTime() - world.clock.now().getTime()) / 86_400_000;
    expect(days).toBeGreaterThan(360);
    expect(endpoint!.start_date.getTime()).toBeLessThan(world.clock.now().getTime());
    expect(endpoint!.thumbprint).toBeInstanceOf(Buffer);
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['MicrosoftPKI', 'DigiCertPKI', 'mi-prod.emulator.database.windows.net']));
    expect(types).toMatchObject({ certificate_id: sql.Int, principal_id: sql.Int, pvt_key_encryption_type: sql.VarChar, expiry_date: sql.DateTime, thumbprint: sql.VarBinary, key_length: sql.Int });
    // in master only; the same view in a user database has none of them
    expect(await world.rows('sql-onprem', 'SELECT name FROM Sales.sys.certificates')).toEqual([]);
  });

  it('the mirroring endpoint on 5022 authenticates with that certificate (sys.endpoints, sys.database_mirroring_endpoints, sys.tcp_endpoints)', async () => {
    const endpoints = await world.query<{ name: string; protocol_desc: string; type_desc: string; state_desc: string }>('sql-onprem', 'SELECT name, endpoint_id, protocol, protocol_desc, type, type_desc, state, state_desc, is_admin_endpoint FROM sys.endpoints');
    expect(endpoints.rows).toContainEqual(expect.objectContaining({ name: 'database_mirroring_endpoint', protocol_desc: 'TCP', type_desc: 'DATABASE_MIRRORING', state_desc: 'STARTED' }));
    expect(endpoints.types).toMatchObject({ endpoint_id: sql.Int, protocol: sql.TinyInt, type: sql.TinyInt, state: sql.TinyInt, is_admin_endpoint: sql.Bit });
    const mirroring = await world.query<{ name: string; role_desc: string; connection_auth_desc: string; encryption_algorithm_desc: string; cert: string }>(
      'sql-onprem',
      `SELECT e.name, e.role, e.role_desc, e.connection_auth, e.connection_auth_desc, e.encryption_algorithm_desc, e.is_encryption_enabled, c.name AS cert
       FROM sys.database_mirroring_endpoints e JOIN sys.certificates c ON c.certificate_id = e.certificate_id`,
    );
    expect(mirroring.rows).toEqual([expect.objectContaining({ name: 'database_mirroring_endpoint', role_desc: 'ALL', connection_auth_desc: 'CERTIFICATE', encryption_algorithm_desc: 'AES', cert: 'Cert_sql-onprem_endpoint' })]);
    expect(mirroring.types).toMatchObject({ role: sql.TinyInt, connection_auth: sql.TinyInt });
    const tcp = await world.rows<{ name: string; port: number; is_dynamic_port: boolean }>('sql-onprem', "SELECT name, port, is_dynamic_port, ip_address FROM sys.tcp_endpoints WHERE type_desc = 'DATABASE_MIRRORING'");
    expect(tcp).toEqual([{ name: 'database_mirroring_endpoint', port: 5022, is_dynamic_port: false, ip_address: null }]);
  });

  it('the availability group catalog: the DAGs and SQL Server\'s own AGs, documented codes beside their _desc, HADR enabled', async () => {
    const groups = await world.query<{ name: string; is_distributed: boolean; cluster_type: number; cluster_type_desc: string }>(
      'sql-onprem',
      'SELECT name, is_distributed, cluster_type, cluster_type_desc, version, required_synchronized_secondaries_to_commit FROM sys.availability_groups ORDER BY name',
    );
    expect(groups.rows.map((g) => [g.name, g.is_distributed, g.cluster_type])).toEqual([
      ['AG_Inventory', false, 2],
      ['AG_Sales', false, 2],
      ['Link_Inventory', true, 2],
      ['Link_Sales', true, 2],
    ]);
    expect(groups.types).toMatchObject({ cluster_type: sql.TinyInt, version: sql.SmallInt, required_synchronized_secondaries_to_commit: sql.Int });
    // the managed instance lists the DAGs only
    expect((await world.rows<{ name: string }>('mi-prod', 'SELECT name FROM sys.availability_groups ORDER BY name')).map((g) => g.name)).toEqual(['Link_Inventory', 'Link_Sales']);
    const states = await world.query<{ role: number; role_desc: string; operational_state: number | null; operational_state_desc: string | null; recovery_health_desc: string | null }>(
      'sql-onprem',
      `SELECT rs.role, rs.role_desc, rs.operational_state, rs.operational_state_desc, rs.recovery_health, rs.recovery_health_desc, rs.connected_state, rs.synchronization_health
       FROM sys.dm_hadr_availability_replica_states rs JOIN sys.availability_groups ag ON ag.group_id = rs.group_id
       WHERE ag.name = 'Link_Sales' ORDER BY rs.is_local DESC`,
    );
    expect(states.rows).toEqual([
      expect.objectContaining({ role: 1, role_desc: 'PRIMARY', operational_state: 2, operational_state_desc: 'ONLINE', recovery_health_desc: 'ONLINE' }),
      expect.objectContaining({ role: 2, role_desc: 'SECONDARY', operational_state: null, operational_state_desc: null, recovery_health_desc: null }),
    ]);
    expect(states.types).toMatchObject({ role: sql.TinyInt, operational_state: sql.TinyInt, recovery_health: sql.TinyInt, connected_state: sql.TinyInt, synchronization_health: sql.TinyInt });
    const db = await world.query<{ database_state: number; database_state_desc: string }>(
      'sql-onprem',
      'SELECT database_state, database_state_desc, synchronization_state, synchronization_health, suspend_reason FROM sys.dm_hadr_database_replica_states WHERE is_local = 1',
    );
    expect(db.rows.every((r) => r.database_state === 0 && r.database_state_desc === 'ONLINE')).toBe(true);
    expect(db.types).toMatchObject({ database_state: sql.TinyInt, synchronization_state: sql.TinyInt, synchronization_health: sql.TinyInt, suspend_reason: sql.TinyInt });
    const groupStates = await world.query<{ name: string; primary_replica: string; synchronization_health_desc: string }>(
      'sql-onprem',
      `SELECT ag.name, gs.primary_replica, gs.primary_recovery_health, gs.primary_recovery_health_desc, gs.secondary_recovery_health_desc, gs.synchronization_health, gs.synchronization_health_desc
       FROM sys.dm_hadr_availability_group_states gs JOIN sys.availability_groups ag ON ag.group_id = gs.group_id ORDER BY ag.name`,
    );
    expect(groupStates.rows.map((r) => [r.name, r.primary_replica, r.synchronization_health_desc])).toEqual([
      ['AG_Inventory', 'sql-onprem', 'HEALTHY'],
      ['AG_Sales', 'sql-onprem', 'HEALTHY'],
      ['Link_Inventory', 'AG_Inventory', 'HEALTHY'],
      ['Link_Sales', 'AG_Sales', 'HEALTHY'],
    ]);
    expect(groupStates.types).toMatchObject({ primary_replica: sql.VarChar, primary_recovery_health: sql.TinyInt, synchronization_health: sql.TinyInt });
    const hadr = await world.rows<{ on: number; mi: number }>('sql-onprem', "SELECT CAST(SERVERPROPERTY('IsHadrEnabled') AS int) AS [on]");
    expect(hadr).toEqual([{ on: 1 }]);
  });

  it('the same group_database_id identifies a database on both sides, in the DMVs and sys.databases', async () => {
    const onSql = await world.rows<{ g: string }>('sql-onprem', "SELECT DISTINCT group_database_id AS g FROM sys.dm_hadr_database_replica_states WHERE database_id = DB_ID('Sales')");
    const onMi = await world.rows<{ g: string }>('mi-prod', "SELECT group_database_id AS g FROM sys.dm_hadr_database_replica_states WHERE database_id = DB_ID('Sales')");
    expect(onSql).toHaveLength(1);
    expect(onSql[0].g).toMatch(/^[0-9A-F-]{36}$/);
    expect(onMi).toEqual(onSql);
    expect(await world.rows('sql-onprem', "SELECT group_database_id AS g FROM sys.databases WHERE name = 'Sales'")).toEqual(onSql);
    expect(await world.rows('sql-onprem', "SELECT group_database_id AS g FROM sys.databases WHERE name = 'master'")).toEqual([{ g: null }]);
  });

  it('REQUIRED_SYNCHRONIZED_SECONDARIES_TO_COMMIT set by ALTER AVAILABILITY GROUP shows in sys.availability_groups', async () => {
    const pool = await new sql.ConnectionPool({ server: world.estate.find('sql-onprem').host, port: world.estate.find('sql-onprem').port, user: 'sa', password: world.estate.find('sql-onprem').password, options: { encrypt: true, trustServerCertificate: true } }).connect();
    try {
      await pool.request().batch('ALTER AVAILABILITY GROUP [Link_Sales] SET (REQUIRED_SYNCHRONIZED_SECONDARIES_TO_COMMIT = 1)');
      await pool.request().batch('ALTER AVAILABILITY GROUP [AG_Sales] SET (REQUIRED_SYNCHRONIZED_SECONDARIES_TO_COMMIT = 1)');
      world.estate.links.refresh();
      const rows = await world.rows<{ name: string; n: number }>('sql-onprem', "SELECT name, required_synchronized_secondaries_to_commit AS n FROM sys.availability_groups WHERE name IN ('Link_Sales', 'AG_Sales', 'Link_Inventory') ORDER BY name");
      expect(rows).toEqual([
        { name: 'AG_Sales', n: 1 },
        { name: 'Link_Inventory', n: 0 },
        { name: 'Link_Sales', n: 1 },
      ]);
      await pool.request().batch('ALTER AVAILABILITY GROUP [Link_Sales] SET (REQUIRED_SYNCHRONIZED_SECONDARIES_TO_COMMIT = 0)');
      await pool.request().batch('ALTER AVAILABILITY GROUP [AG_Sales] SET (REQUIRED_SYNCHRONIZED_SECONDARIES_TO_COMMIT = 0)');
      // the local AG's only replica is its primary: it cannot fail over to itself
      await expect(pool.request().batch('ALTER AVAILABILITY GROUP [AG_Sales] FAILOVER')).rejects.toMatchObject({ number: 41122 });
    } finally {
      await pool.close();
    }
  });

  it('sys.dm_os_performance_counters: Log Bytes Flushed/sec per database, cumulative (PERF_COUNTER_BULK_COUNT), moving with the workload', async () => {
    const read = async (): Promise<{ object_name: string; counter_name: string; instance_name: string; cntr_value: string; cntr_type: number }[]> =>
      world.rows('sql-onprem', "SELECT object_name, counter_name, instance_name, cntr_value, cntr_type FROM sys.dm_os_performance_counters WHERE counter_name = 'Log Bytes Flushed/sec' AND instance_name = 'Sales'");
    const [before] = await read();
    expect(before.object_name.trimEnd()).toBe('SQLServer:Databases');
    // nchar(128): padded as SQL Server pads them
    expect(before.counter_name).toHaveLength(128);
    expect(before.cntr_type).toBe(272696576);
    world.jump(10_000);
    const [after] = await read();
    // 50 transactions/s x 4 records x 256 bytes for 10 s
    const delta = Number(after.cntr_value) - Number(before.cntr_value);
    expect(delta).toBeGreaterThan(400_000);
    expect(delta).toBeLessThan(700_000);
    const others = await world.rows<{ counter: string; n: number }>(
      'sql-onprem',
      `SELECT RTRIM(counter_name) AS counter, COUNT(*) AS n FROM sys.dm_os_performance_counters
       WHERE RTRIM(object_name) IN ('SQLServer:Databases', 'SQLServer:Database Replica') AND RTRIM(instance_name) IN ('Sales', '_Total')
       GROUP BY RTRIM(counter_name) ORDER BY counter`,
    );
    expect(others.map((o) => o.counter)).toEqual(expect.arrayContaining(['Log Bytes Flushed/sec', 'Percent Log Used', 'Log File(s) Used Size (KB)', 'Log Send Queue', 'Recovery Queue']));
    // the secondary counts what it received and redid
    const mi = await world.rows<{ counter: string; v: string }>('mi-prod', "SELECT RTRIM(counter_name) AS counter, cntr_value AS v FROM sys.dm_os_performance_counters WHERE RTRIM(object_name) = 'SQLServer:Database Replica' AND RTRIM(instance_name) = 'Sales' AND counter_name LIKE '%Bytes%'");
    expect(mi.every((r) => Number(r.v) > 400_000)).toBe(true);
  });

  it('sys.dm_exec_connections describes the caller\'s own connection', async () => {
    const { rows, types } = await world.query<{ net_transport: string; encrypt_option: string; net_packet_size: number; client_net_address: string; local_tcp_port: number; protocol_version: number }>(
      'sql-onprem',
      'SELECT session_id, net_transport, protocol_type, protocol_version, encrypt_option, auth_scheme, node_affinity, net_packet_size, client_net_address, client_tcp_port, local_tcp_port, connection_id FROM sys.dm_exec_connections WHERE session_id = @@SPID',
    );
    expect(rows).toEqual([expect.objectContaining({ net_transport: 'TCP', encrypt_option: 'TRUE', net_packet_size: 4096, client_net_address: '127.0.0.1', local_tcp_port: world.estate.find('sql-onprem').port, protocol_version: 0x74000004 })]);
    expect(types).toMatchObject({ node_affinity: sql.SmallInt, client_net_address: sql.VarChar, connection_id: sql.UniqueIdentifier });
  });

  it('DBCC SQLPERF(LOGSPACE): one row per database with the four documented columns', async () => {
    const { rows } = await world.query<Record<string, unknown>>('sql-onprem', 'DBCC SQLPERF(LOGSPACE)');
    expect(rows.map((r) => r['Database Name'])).toEqual(['master', 'tempdb', 'model', 'msdb', 'Sales', 'Inventory']);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(['Database Name', 'Log Size (MB)', 'Log Space Used (%)', 'Status']);
      expect(r['Log Size (MB)']).toBeGreaterThanOrEqual(8);
      expect(r['Log Space Used (%)']).toBeGreaterThan(0);
      expect(r.Status).toBe(0);
    }
  });

  it('seeding shows with progress while a link seeds, and stays in the automatic seeding history after', async () => {
    world.estate.find('sql-onprem').instance.createDatabase('Archive', { recoveryModel: 'FULL', dataSizeBytes: 64 * 1024 * 1024 });
    world.estate.find('mi-prod').instance.createDatabase('Archive', { recoveryModel: 'FULL' });
    world.estate.links.create({
      name: 'Link_Archive',
      partner: { host: world.estate.find('sql-onprem').instance, availabilityGroupName: 'AG_Archive', endpointUrl: 'TCP://sql-onprem:5022' },
      instance: { host: world.estate.find('mi-prod').instance, availabilityGroupName: 'mi-prod', endpointUrl: 'TCP://mi-prod.emulator.database.windows.net:5022' },
      databases: ['Archive'],
      seeded: false,
      network: { bandwidthKBps: 4096 },
    });
    world.jump(5_000);
    const stats = await world.query<{ local_database_name: string; role_desc: string; transferred_size_bytes: string; database_size_bytes: string; transfer_rate_bytes_per_second: string; current_state: string }>(
      'sql-onprem',
      `SELECT ps.local_database_name, ps.role_desc, ps.internal_state_desc, ps.transferred_size_bytes, ps.database_size_bytes, ps.transfer_rate_bytes_per_second,
              ps.estimate_time_complete_utc, ps.is_compression_enabled, s.current_state, s.is_source, s.number_of_attempts
       FROM sys.dm_hadr_physical_seeding_stats ps JOIN sys.dm_hadr_automatic_seeding s ON ps.local_physical_seeding_id = s.operation_id`,
    );
    expect(stats.rows).toHaveLength(1);
    const row = stats.rows[0];
    expect(row).toMatchObject({ local_database_name: 'Archive', role_desc: 'Source', current_state: 'SEEDING' });
    const pct = Number(row.transferred_size_bytes) / Number(row.database_size_bytes);
    expect(pct).toBeGreaterThan(0.1);
    expect(pct).toBeLessThan(0.6);
    expect(Number(row.transfer_rate_bytes_per_second)).toBe(4096 * 1024);
    const onMi = await world.rows<{ role_desc: string }>('mi-prod', "SELECT role_desc FROM sys.dm_hadr_physical_seeding_stats WHERE local_database_name = 'Archive'");
    expect(onMi).toEqual([{ role_desc: 'Destination' }]);
    const arm = await world.armClient.getLink('rg-monitor', 'mi-prod', 'Link_Archive');
    expect(arm.databases[0]).toMatchObject({ replicaState: 'Seeding', seedingProgress: expect.stringMatching(/^\d+%$/) });
    await eventually(world, async () => ((await world.rows<{ s: string }>('sql-onprem', 'SELECT current_state AS s FROM sys.dm_hadr_automatic_seeding'))[0]?.s === 'COMPLETED' ? true : undefined), 'seeding to complete', { jumpMs: 5_000 });
    expect(await world.rows('sql-onprem', 'SELECT * FROM sys.dm_hadr_physical_seeding_stats')).toEqual([]);
    expect((await world.armClient.getLink('rg-monitor', 'mi-prod', 'Link_Archive')).databases[0]).toMatchObject({ replicaState: 'Catchup', seedingProgress: '100%' });
    world.estate.links.remove(world.estate.links.find('Link_Archive', 'mi-prod')!);
  });
});

describe("REFERENCE 4.3's queries, verbatim", () => {
  it('on the primary they return the link, its health, lag and RPO; on the secondary the documented empty or local-only answers (mssql)', async () => {
    expect(await world.rows('sql-onprem', q.health)).toEqual([{ link_sync_health: 'HEALTHY' }]);
    expect(await world.rows('sql-onprem', q.lag)).toEqual([{ name: 'Link_Sales', local_role: 'PRIMARY', remote_connected: 'CONNECTED', remote_health: 'HEALTHY', secondary_lag_seconds: '0' }]);
    const rpo = await world.rows<{ db: string; est_rpo_seconds: number; redo_rate: string }>('sql-onprem', q.rpo);
    expect(rpo.map((r) => r.db).sort()).toEqual(['Inventory', 'Sales']);
    expect(rpo.every((r) => r.est_rpo_seconds <= 1)).toBe(true);
    // measured from the workload: 50 tps x 4 records x 256 bytes = 50 KB/s on Sales
    expect(Number(rpo.find((r) => r.db === 'Sales')?.redo_rate)).toBeGreaterThan(35);
    const snapshot = await world.rows<{ link_name: string; is_local: boolean | null; role_desc: string | null; last_hardened_lsn: string | null; log_send_rate: string | null }>('sql-onprem', q.snapshot);
    expect(snapshot.filter((r) => r.link_name === 'Link_Sales').map((r) => [r.is_local, r.role_desc])).toEqual([
      [true, 'PRIMARY'],
      [false, 'SECONDARY'],
    ]);
    const remote = snapshot.find((r) => r.link_name === 'Link_Sales' && r.is_local === false);
    expect(remote?.last_hardened_lsn).toMatch(/^\d{17}$/);
    expect(Number(remote?.log_send_rate)).toBeGreaterThan(35);

    expect(await world.rows('mi-prod', q.health)).toEqual([]);
    expect(await world.rows('mi-prod', q.lag)).toEqual([]);
    expect(await world.rows('mi-prod', q.rpo)).toEqual([]);
    const miSnapshot = await world.rows<{ link_name: string; replica_server_name: string; is_local: boolean | null; role_desc: string | null }>('mi-prod', q.snapshot);
    // the secondary knows only its own replica's state; the other member is listed without one
    expect(miSnapshot.filter((r) => r.link_name === 'Link_Sales').map((r) => [r.replica_server_name, r.is_local, r.role_desc])).toEqual([
      ['AG_Sales', null, null],
      ['mi-prod', true, 'SECONDARY'],
    ]);
  });

  (hasTsql || process.env.CI ? it : it.skip)('FreeTDS tsql runs them on both sides (the managed instance over TLS it must negotiate)', async () => {
    const script = [q.health, q.lag, q.rpo, q.snapshot].join('\ngo\n');
    const primary = await world.tsql('sql-onprem', script);
    expect(primary.code).toBe(0);
    expect(primary.out).toMatch(/link_sync_health\s+HEALTHY/);
    expect(primary.out).toMatch(/Link_Sales\s+PRIMARY\s+CONNECTED\s+HEALTHY\s+0/);
    expect(primary.out).toMatch(/\nSales\s+\d+\s+\d+\s+\d+\s+\d+/);
    expect(primary.out).toMatch(/Link_Sales\s+mi-prod\s+ASYNCHRONOUS_COMMIT\s+0\s+SECONDARY\s+NULL\s+CONNECTED\s+HEALTHY/);
    // tinyint, smallint and char(2) columns read back as FreeTDS types them
    const typed = await world.tsql('sql-onprem', "SELECT TOP 1 cluster_type, version, pvt = (SELECT TOP 1 pvt_key_encryption_type FROM sys.certificates WHERE pvt_key_encryption_type = 'MK') FROM sys.availability_groups");
    expect(typed.out).toMatch(/cluster_type\s+version\s+pvt\s*\n2\s+1\s+MK/);
    const secondary = await world.tsql('mi-prod', script);
    expect(secondary.code).toBe(0);
    // headers and no rows for the three primary-only queries, then the secondary's own rows
    expect(secondary.out).toMatch(/link_sync_health\s*\nname\s+local_role/);
    expect(secondary.out).toMatch(/Link_Sales\s+AG_Sales\s+ASYNCHRONOUS_COMMIT\s+NULL\s+NULL/);
    expect(secondary.out).toMatch(/Link_Sales\s+mi-prod\s+ASYNCHRONOUS_COMMIT\s+1\s+SECONDARY\s+ONLINE\s+CONNECTED\s+HEALTHY/);
  });
});

describe('a managed instance refuses clients that cannot encrypt', () => {
  it('mssql with encrypt:false gets EENCRYPT from the managed instance; SQL Server still accepts it', async () => {
    const target = (name: string): sql.config => {
      const r = world.estate.find(name);
      return { server: r.host, port: r.port, user: r.user, password: r.password, options: { encrypt: false }, connectionTimeout: 5000 };
    };
    await expect(new sql.ConnectionPool(target('mi-prod')).connect()).rejects.toMatchObject({ code: 'EENCRYPT' });
    const plain = await new sql.ConnectionPool(target('sql-onprem')).connect();
    const enc = await plain.request().query<{ e: string }>('SELECT encrypt_option AS e FROM sys.dm_exec_connections WHERE session_id = @@SPID');
    expect(enc.recordset).toEqual([{ e: 'FALSE' }]);
    await plain.close();
  });

  (hasTsql || process.env.CI ? it : it.skip)('FreeTDS with encryption = off is refused by the managed instance, served by SQL Server', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freetds-'));
    try {
      writeFileSync(path.join(dir, 'freetds.conf'), '[global]\n\tencryption = off\n');
      const env = { FREETDSCONF: path.join(dir, 'freetds.conf') };
      const mi = await world.tsql('mi-prod', 'SELECT 1 AS one', env);
      expect(mi.code).not.toBe(0);
      expect(mi.out).toMatch(/connection failed|problem connecting/i);
      const onprem = await world.tsql('sql-onprem', 'SELECT 1 AS one', env);
      expect(onprem.out).toMatch(/one\s*\n1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
