// Public surface of the emulated engine: what local/, the tests and the CLI use.
export { ScaledClock, type EngineClock } from './clock';
export { defaultServices } from './defaultServices';
export { InstanceEndpoint } from './endpoint';
export { buildInstances, EstateError, loadEstateFile, validateEstate, type Estate, type EstateInstance, type EstateDatabase } from './estate';
export { startEstate, type RunningEstate, type RunningInstance, type StartEstateOptions } from './estateServer';
export { FAULT_KINDS, validateFault, type FaultKind, type FaultSpec } from './faults';
export type { HadrState } from './hadr';
export { EmulatedInstance, type InstanceOptions } from './instance';
export type { BackupRunner, EngineServices, SqlLanguage } from './services';
export { Session } from './session';
