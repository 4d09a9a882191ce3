// The ARM emulator: Microsoft.Sql over HTTPS on loopback, backed by the engine's instances and links.
export { ArmEmulator, startArmEmulator, ARM_LOOPBACK, type ArmEmulatorOptions, type RequestLogEntry } from './server';
export { EngineArmBackend, type EngineBackendOptions } from './engineBackend';
export { ArmFaults, type ArmFault } from './faults';
export { ArmHttpError } from './errors';
export { OperationStore, type ArmOperation } from './operations';
export type * from './backend';
export { PrivateDnsZones, type PrivateDnsZoneSpec, type PrivateDnsFault } from './privateDns';
