// What an instance says about itself: @@VERSION, SERVERPROPERTY('ProductVersion'), the LOGINACK
// version bytes and the database version its restores accept. The strings follow real servers'.
import type { InstanceConfig } from './model';

export interface ProductInfo {
  productVersion: string;
  major: number;
  minor: number;
  build: number;
  revision: number;
  productLevel: string;
  updateLevel: string | null;
  updateReference: string | null;
  edition: string;
  engineEdition: number;
  /** sys.databases / HEADERONLY DatabaseVersion of databases this engine creates */
  databaseVersion: number;
  versionString: string;
}

interface SqlServerRelease {
  year: number;
  build: number;
  revision: number;
  productLevel: string;
  updateLevel: string;
  kb: string;
  buildDate: string;
  databaseVersion: number;
}

const RELEASES: Record<number, SqlServerRelease> = {
  13: { year: 2016, build: 6435, revision: 1, productLevel: 'SP3', updateLevel: 'GDR', kb: 'KB5029186', buildDate: 'Aug 17 2023 14:53:23', databaseVersion: 852 },
  14: { year: 2017, build: 3465, revision: 1, productLevel: 'RTM', updateLevel: 'CU31', kb: 'KB5016884', buildDate: 'Sep  7 2022 18:04:39', databaseVersion: 869 },
  15: { year: 2019, build: 4385, revision: 2, productLevel: 'RTM', updateLevel: 'CU28', kb: 'KB5039747', buildDate: 'Jul  5 2024 12:17:21', databaseVersion: 904 },
  16: { year: 2022, build: 4135, revision: 4, productLevel: 'RTM', updateLevel: 'CU15', kb: 'KB5041321', buildDate: 'Jul 10 2024 14:09:09', databaseVersion: 957 },
  17: { year: 2025, build: 1000, revision: 7, productLevel: 'RTM', updateLevel: '', kb: '', buildDate: 'Oct 21 2025 12:05:57', databaseVersion: 998 },
};

/** SQL Server major versions the emulator can present */
export const SUPPORTED_MAJOR_VERSIONS = Object.keys(RELEASES).map(Number);

/** the database version a managed instance writes, per update policy */
const MI_DATABASE_VERSION = { 'SQL Server 2022': 957, 'Always-up-to-date': 1000 } as const;

export function productInfo(config: InstanceConfig): ProductInfo {
  if (config.kind === 'managedInstance') {
    const policy = config.updatePolicy ?? 'SQL Server 2022';
    return {
      productVersion: '12.0.2000.8',
      major: 12,
      minor: 0,
      build: 2000,
      revision: 8,
      productLevel: 'RTM',
      updateLevel: null,
      updateReference: null,
      edition: 'SQL Azure',
      engineEdition: 8,
      databaseVersion: MI_DATABASE_VERSION[policy],
      versionString:
        'Microsoft SQL Azure (RTM) - 12.0.2000.8 \n\tOct  2 2024 11:51:41 \n\tCopyright (C) 2022 Microsoft Corporation\n',
    };
  }
  const release = RELEASES[config.majorVersion];
  if (!release) throw new RangeError(`unsupported SQL Server major version ${config.majorVersion}`);
  const productVersion = `${config.majorVersion}.0.${release.build}.${release.revision}`;
  const level = release.updateLevel ? `${release.productLevel}-${release.updateLevel}` : release.productLevel;
  const kb = release.kb ? ` (${release.kb})` : '';
  const platform = config.defaultDataPath.startsWith('/')
    ? 'Linux (Ubuntu 22.04.4 LTS) <X64>'
    : 'Windows Server 2022 Datacenter 10.0 <X64> (Build 20348: ) (Hypervisor)';
  return {
    productVersion,
    major: config.majorVersion,
    minor: 0,
    build: release.build,
    revision: release.revision,
    productLevel: release.productLevel,
    updateLevel: release.updateLevel || null,
    updateReference: release.kb || null,
    edition: 'Enterprise Edition (64-bit)',
    engineEdition: 3,
    databaseVersion: release.databaseVersion,
    versionString:
      `Microsoft SQL Server ${release.year} (${level})${kb} - ${productVersion} (X64) \n\t${release.buildDate} \n\t` +
      `Copyright (C) ${release.year} Microsoft Corporation\n\tEnterprise Edition (64-bit) on ${platform}\n`,
  };
}

/** LOGINACK's 4 bytes: major, minor, build high byte, build low byte */
export function versionBytes(info: ProductInfo): [number, number, number, number] {
  return [info.major, info.minor, (info.build >> 8) & 0xff, info.build & 0xff];
}

/** @@MICROSOFTVERSION */
export function microsoftVersion(info: ProductInfo): number {
  return info.major * 0x1000000 + info.minor * 0x10000 + info.build;
}
