// sys.databases: one row per database, columns as SQL Server 2022 names and types them.
import type { AvailabilityDatabaseRow } from '../hadr';
import { LOG_REUSE_WAIT_CODES, logTruncation } from '../logSpace';
import type { Database } from '../model';
import { bit, c, view } from './columns';
import { RECOVERY_CODES, STATE_CODES, USER_ACCESS_CODES, type CatalogScope } from './scope';

const SA_SID = Buffer.from([0x01]);

export function sysDatabases(scope: CatalogScope) {
  const isMi = scope.instance.config.kind === 'managedInstance';
  // availability databases: the local replica of their group (on SQL Server the local AG, listed last)
  let joined: Map<number, AvailabilityDatabaseRow> | undefined;
  const agOf = (d: Database): AvailabilityDatabaseRow | undefined => {
    joined ??= new Map((scope.instance.hadr.availabilityDatabases ?? []).map((r) => [r.databaseId, r]));
    return joined.get(d.databaseId);
  };
  return view<Database>(
    [
      c.sysname('name', (d) => d.name),
      c.int('database_id', (d) => d.databaseId),
      c.int('source_database_id', () => null, true),
      c.varbinary('owner_sid', 85, () => SA_SID),
      c.datetime('create_date', (d) => d.createDate, false),
      c.tinyint('compatibility_level', (d) => d.compatibilityLevel),
      c.sysname('collation_name', (d) => (d.state === 'ONLINE' ? d.collation : null), true),
      c.tinyint('user_access', (d) => USER_ACCESS_CODES[d.userAccess], true),
      c.nvarchar('user_access_desc', 60, (d) => d.userAccess),
      c.bit('is_read_only', (d) => bit(d.readOnly === true), true),
      c.bit('is_auto_close_on', () => 0),
      c.bit('is_auto_shrink_on', () => 0, true),
      c.tinyint('state', (d) => STATE_CODES[d.state], true),
      c.nvarchar('state_desc', 60, (d) => d.state),
      c.bit('is_in_standby', () => 0, true),
      c.bit('is_cleanly_shutdown', () => 0, true),
      c.bit('is_supplemental_logging_enabled', () => 0, true),
      c.tinyint('snapshot_isolation_state', (d) => (isMi && d.databaseId > 4 ? 1 : 0), true),
      c.nvarchar('snapshot_isolation_state_desc', 60, (d) => (isMi && d.databaseId > 4 ? 'ON' : 'OFF')),
      c.bit('is_read_committed_snapshot_on', (d) => bit(isMi && d.databaseId > 4), true),
      c.tinyint('recovery_model', (d) => RECOVERY_CODES[d.recoveryModel], true),
      c.nvarchar('recovery_model_desc', 60, (d) => d.recoveryModel),
      c.tinyint('page_verify_option', () => 2, true),
      c.nvarchar('page_verify_option_desc', 60, () => 'CHECKSUM'),
      c.bit('is_auto_create_stats_on', () => 1, true),
      c.bit('is_auto_update_stats_on', () => 1, true),
      c.bit('is_fulltext_enabled', () => 1, true),
      c.bit('is_trustworthy_on', (d) => bit(d.name.toLowerCase() === 'msdb'), true),
      c.bit('is_broker_enabled', (d) => bit(d.name.toLowerCase() === 'msdb'), true),
      c.bit('is_encrypted', (d) => bit(d.tde !== 'none'), true),
      c.bit('is_query_store_on', (d) => bit(d.databaseId > 4), true),
      c.bit('is_published', () => 0),
      c.bit('is_subscribed', () => 0),
      c.bit('is_distributor', () => 0),
      c.tinyint('log_reuse_wait', (d) => LOG_REUSE_WAIT_CODES[logTruncation(d, scope.instance.config.kind).reuseWait], true),
      c.nvarchar('log_reuse_wait_desc', 60, (d) => logTruncation(d, scope.instance.config.kind).reuseWait),
      c.guid('group_database_id', (d) => agOf(d)?.groupDatabaseId ?? null),
      c.guid('replica_id', (d) => agOf(d)?.replicaId ?? null),
      c.tinyint('containment', () => 0, true),
      c.nvarchar('containment_desc', 60, () => 'NONE'),
      c.int('target_recovery_time_in_seconds', () => 60, true),
      c.int('delayed_durability', () => 0, true),
      c.nvarchar('delayed_durability_desc', 60, () => 'DISABLED'),
      c.bit('is_accelerated_database_recovery_on', () => 0, true),
      c.bit('is_ledger_on', () => 0, true),
    ],
    () => scope.instance.databases(),
  );
}
