// Why the link refused a role change. The T-SQL layer turns these into SQL Server errors and the ARM
// emulator into its 409 codes, so both refuse for the same reasons.

export type LinkRefusalReason =
  /** a planned failover while some database is not SYNCHRONIZED (or the replicas are disconnected) */
  | 'notSynchronized'
  /** ARM planned failover: the log send queue is above the limit */
  | 'sendQueueTooBig'
  /** ARM planned failover: the redo queue is above the limit */
  | 'redoQueueTooBig'
  /** FAILOVER issued where the local side is already primary */
  | 'alreadyPrimary'
  /** a role change asked of a side that already has that role */
  | 'alreadyInRole'
  /** a one-way link (failoverMode None) cannot fail back to SQL Server */
  | 'oneWay'
  /** another role change is still running */
  | 'inProgress';

export class LinkRefusal extends Error {
  constructor(
    readonly reason: LinkRefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'LinkRefusal';
  }
}
