// The Log Replay Service of the emulated managed instances: what the ARM backend starts, asks and stops.
export { LogReplay, type ReplayOptions } from './replay';
export { checkLrsStart } from './validate';
export { DEFAULT_SCAN_INTERVAL_MS, type LrsBackupSetInfo, type LrsOptions, type LrsStart, type LrsState, type LrsStatus } from './types';
