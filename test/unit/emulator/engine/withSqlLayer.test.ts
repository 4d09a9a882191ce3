// The engine with the real emulator/sql evaluator: catalog queries with joins, ordering and
// functions, as the app sends them.
import { defaultServices } from '../../../../emulator/engine/defaultServices';
import { connect, errors, firstRows, fixture, run } from './fixtures';

describe('engine + emulator/sql', () => {
  const f = fixture(defaultServices());

  it('joins sys.tables, sys.schemas and sys.partitions for row counts per table', async () => {
    const s = await connect(f, f.sql, 'Sales');
    const out = await run(
      s,
      `SELECT s.name AS schema_name, t.name AS table_name, SUM(p.rows) AS row_count
       FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id
       JOIN sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1)
       GROUP BY s.name, t.name ORDER BY s.name, t.name`,
    );
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([
      { schema_name: 'audit', table_name: 'Events', row_count: 5 },
      { schema_name: 'dbo', table_name: 'Customers', row_count: 300 },
      { schema_name: 'dbo', table_name: 'Orders', row_count: 1200 },
    ]);
  });

  it('row counts through sys.objects and sys.dm_db_partition_stats, three-part names', async () => {
    const s = await connect(f, f.sql);
    const out = await run(
      s,
      `SELECT o.name, SUM(ps.row_count) AS row_count
       FROM Sales.sys.objects o JOIN Sales.sys.dm_db_partition_stats ps ON ps.object_id = o.object_id
       WHERE o.type = 'U' AND ps.index_id < 2 AND o.is_ms_shipped = 0
       GROUP BY o.name ORDER BY SUM(ps.row_count) DESC`,
    );
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([
      { name: 'Orders', row_count: 1200 },
      { name: 'Customers', row_count: 300 },
      { name: 'Events', row_count: 5 },
    ]);
  });

  it('filters sys.databases with functions and variables, ordered', async () => {
    const s = await connect(f, f.sql);
    const out = await run(
      s,
      `DECLARE @min int = 4;
       SELECT name, database_id, DATABASEPROPERTYEX(name, 'Status') AS status, HAS_DBACCESS(name) AS access
       FROM master.sys.databases WHERE database_id > @min ORDER BY database_id DESC`,
    );
    expect(errors(out)).toEqual([]);
    expect(firstRows(out)).toEqual([
      { name: 'Archive', database_id: 6, status: 'ONLINE', access: 1 },
      { name: 'Sales', database_id: 5, status: 'ONLINE', access: 1 },
    ]);
  });

  it('SELECT @v = ... assigns, and SET converts to the declared type', async () => {
    const s = await connect(f, f.sql);
    const out = await run(s, "DECLARE @n nvarchar(20), @id int; SELECT @id = database_id FROM sys.databases WHERE name = 'Sales'; SET @n = @id; SELECT @n AS n, OBJECT_ID('Sales.dbo.Orders') AS oid, SUSER_SNAME() AS who");
    expect(errors(out)).toEqual([]);
    const row = firstRows(out)[0];
    expect(row).toMatchObject({ n: '5', who: 'sa' });
    expect(typeof row.oid).toBe('number');
  });

  it('the link health queries run: empty without a link, the replica rows when one is set up', async () => {
    const s = await connect(f, f.sql);
    const query = `SELECT ag.name, ar.replica_server_name, ar.availability_mode_desc, ars.role_desc, ars.connected_state_desc
       FROM sys.availability_groups ag
       JOIN sys.availability_replicas ar ON ag.group_id = ar.group_id
       LEFT JOIN sys.dm_hadr_availability_replica_states ars ON ars.replica_id = ar.replica_id
       WHERE ag.is_distributed = 1`;
    const empty = await run(s, query);
    expect(errors(empty)).toEqual([]);
    expect(firstRows(empty)).toEqual([]);
    const groupId = '6F9619FF-8B86-D011-B42D-00C04FC964FF';
    const replicaId = '7F9619FF-8B86-D011-B42D-00C04FC964FF';
    f.sql.hadr.groups.push({ groupId, name: 'dag-sales', isDistributed: true, requiredSynchronizedSecondariesToCommit: 0 });
    f.sql.hadr.replicas.push({ replicaId, groupId, replicaServerName: 'mi-prod', endpointUrl: 'TCP://mi-prod:5022', availabilityMode: 'ASYNCHRONOUS_COMMIT', failoverMode: 'MANUAL', seedingMode: 'AUTOMATIC' });
    try {
      expect(firstRows(await run(s, query))).toEqual([
        { name: 'dag-sales', replica_server_name: 'mi-prod', availability_mode_desc: 'ASYNCHRONOUS_COMMIT', role_desc: null, connected_state_desc: null },
      ]);
    } finally {
      f.sql.hadr.groups.length = 0;
      f.sql.hadr.replicas.length = 0;
    }
  });

  it('reports 208 for unknown objects and 207 for unknown columns', async () => {
    const s = await connect(f, f.sql);
    expect(errors(await run(s, 'SELECT * FROM sys.dm_operation_status'))[0]).toMatchObject({ number: 208 });
    expect(errors(await run(s, 'SELECT nope FROM sys.databases'))[0]).toMatchObject({ number: 207 });
  });
});
