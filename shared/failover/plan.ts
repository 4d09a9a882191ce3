// The steps of each playbook as a DBA reads them: what a dry run returns and every operation shows.
import type { LinkConfig } from '../config/schema';
import type { FailoverType, LinkSide } from './types';

export interface PlanContext {
  link: LinkConfig;
  sqlServer: string;
  managedInstance: string;
  /** the side that is primary now and the side that becomes primary */
  from?: LinkSide;
  to?: LinkSide;
  redirect?: string;
  backupContainer?: string;
}

export function planFor(type: FailoverType, p: PlanContext): string[] {
  const { link } = p;
  const dag = link.distributedAvailabilityGroup;
  const dbs = link.databases.join(', ');
  const name = (side: LinkSide | undefined): string => (side === 'sqlServer' ? p.sqlServer : side === 'managedInstance' ? p.managedInstance : '?');
  const policy = link.failover;
  const redirect = p.redirect ? [`point ${p.redirect} at ${name(p.to)} and read it back`] : [];
  const check = `check both sides, the link and ARM (roles, synchronization${type === 'planned' || type === 'failback' ? ', the way back' : ''})`;
  const converge = `wait until the last hardened LSNs of ${dbs} match on both sides and stay equal for ${policy.lsnHoldSeconds} s (at most ${policy.convergeTimeoutSeconds} s; otherwise back to asynchronous, roles untouched, PLANNED_FAILOVER_TIMEOUT)`;
  const sync = [`switch ${dag} to synchronous commit on ${p.sqlServer} (ALTER AVAILABILITY GROUP ... MODIFY ... SYNCHRONOUS_COMMIT)`, `switch it on ${p.managedInstance} (ARM PATCH replicationMode Sync)`];
  const failover = (from: string): string => `ARM failover Planned of ${dag} (from ${from}; issued once, its poller saved)`;
  switch (type) {
    case 'planned':
      return [
        check,
        ...sync,
        converge,
        failover(p.sqlServer),
        `verify that ${p.managedInstance} is PRIMARY and ${p.sqlServer} SECONDARY`,
        ...(policy.returnToAsync ? [`switch both sides back to asynchronous commit`] : []),
        ...redirect,
      ];
    case 'failback':
      return [check, 'no synchronous-commit step (the documented failback to SQL Server 2022 skips it)', converge, failover(p.managedInstance), `verify that ${p.sqlServer} is PRIMARY and ${p.managedInstance} SECONDARY`, ...redirect];
    case 'cutover':
      return [
        check,
        ...sync,
        converge,
        failover(p.sqlServer),
        `verify that ${p.managedInstance} is PRIMARY`,
        `wait for ${p.managedInstance}'s first automated full backup of ${dbs} after the failover (msdb.dbo.backupset)`,
        `delete the link on ${p.managedInstance} (ARM DELETE)`,
        `DROP AVAILABILITY GROUP ${dag} on ${p.sqlServer}`,
        ...redirect,
      ];
    case 'forced':
      return [
        check,
        'record the estimated data loss on the operation',
        p.to === 'sqlServer'
          ? `ALTER AVAILABILITY GROUP ${dag} FORCE_FAILOVER_ALLOW_DATA_LOSS on ${p.sqlServer}`
          : `ARM failover ForcedAllowDataLoss of ${dag} on ${p.managedInstance} (issued once, its poller saved)`,
        `verify that ${name(p.to)} is PRIMARY (${name(p.from)}, when it returns, still claims PRIMARY: the link-health sweep reports the split brain)`,
        ...redirect,
      ];
    case 'split-brain-repair':
      return [
        check,
        p.from === 'sqlServer'
          ? `back up the diverged log of ${dbs} on ${p.sqlServer} (BACKUP LOG ... TO URL, COPY_ONLY, CHECKSUM, as a SQL Agent job) into ${p.backupContainer ?? 'the backup container'}`
          : `back up ${dbs} on ${p.managedInstance} (BACKUP DATABASE ... TO URL WITH COPY_ONLY, as a SQL Agent job) into ${p.backupContainer ?? 'the backup container'}`,
        'read the backup\'s LSN range from msdb',
        p.from === 'sqlServer' ? `demote ${p.sqlServer}: ALTER AVAILABILITY GROUP ${dag} SET (ROLE = SECONDARY)` : `demote ${p.managedInstance}: ARM setRole Secondary`,
        p.from === 'sqlServer' ? `resume ${dbs} on ${p.sqlServer} (ALTER DATABASE ... SET HADR RESUME)` : `the managed instance resumes its databases itself`,
        `wait until ${name(p.from)} synchronizes as the secondary of ${name(p.to)}`,
      ];
    case 'offline-failback':
      return [
        check,
        `BACKUP DATABASE ${dbs} TO URL WITH COPY_ONLY, CHECKSUM on ${p.managedInstance} (a SQL Agent job) into ${p.backupContainer ?? 'the backup container'}`,
        `restore each backup on ${p.sqlServer} under a new name (<database>_failback) through the restore playbook (WITH MOVE, CHECKSUM), never over the linked database`,
        'list the steps to re-create the link',
      ];
  }
}
