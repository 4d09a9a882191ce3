// Public surface of the TDS protocol layer.
export { TdsServer, type TdsServerOptions } from './server';
export type { ConnectionSummary } from './connection';
export { generateTlsMaterial } from './tls/certificate';
export type * from './types';
