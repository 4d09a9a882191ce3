// Database and software versions: what a backup records and what a server can restore. The
// instance's own versions come from the engine's product information, so both always agree.
import type { InstanceConfig } from '../engine/model';
import { productInfo } from '../engine/versions';

export interface SoftwareVersion {
  major: number;
  minor: number;
  build: number;
}

/** The highest database version this instance can restore (and the version it upgrades to). */
export function supportedDatabaseVersion(config: InstanceConfig): number {
  return productInfo(config).databaseVersion;
}

/**
 * HEADERONLY SoftwareVersionMajor/Minor/Build of the server writing a backup. A managed instance
 * writes the engine its update policy matches (UNCONFIRMED: the Always-up-to-date build number).
 */
export function softwareVersion(config: InstanceConfig): SoftwareVersion {
  if (config.kind === 'managedInstance') {
    return config.updatePolicy === 'Always-up-to-date' ? { major: 17, minor: 0, build: 900 } : { major: 16, minor: 0, build: 4135 };
  }
  const info = productInfo(config);
  return { major: info.major, minor: info.minor, build: info.build };
}

/** "16.00.4135": how 3169 prints versions */
export function formatVersion(v: SoftwareVersion): string {
  return `${v.major}.${String(v.minor).padStart(2, '0')}.${v.build}`;
}
