// The Managed Instance link emulation: the clock-driven DAG state machine, the registry the engine
// and the ARM emulator share, the HADR rows it writes, and ALTER AVAILABILITY GROUP.
export { ManagedInstanceLink, PLANNED_FAILOVER_MAX_REDO_QUEUE_KB, PLANNED_FAILOVER_MAX_SEND_QUEUE_KB, type LinkSide } from './link';
export { LinkRegistry, type LinkClock } from './registry';
export { buildHadrState, groupDatabaseId, localAgIds } from './hadrRows';
export { executeAvailabilityGroupStatement, type AvailabilityGroupOutcome } from './statements';
export { LinkRefusal, type LinkRefusalReason } from './refusal';
export { recordsBetween, transactionsFor } from './logMath';
export type * from './types';
export { applyLinkFault, clearLinkFault, validateLinkFault, LINK_ERRORS, LINK_FAULT_KINDS, type ActiveLinkFault, type LinkFaultKind, type LinkFaultSpec } from './faults';
