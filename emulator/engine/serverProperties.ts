// SERVERPROPERTY and the @@globals that describe the server rather than the session.
import type { SqlValue } from '../tds/types';
import { DEFAULT_COLLATION } from './databases';
import type { EmulatedInstance } from './instance';
import { microsoftVersion } from './versions';

/** SERVERPROPERTY(name): null for unknown properties, as SQL Server does */
export function serverProperty(inst: EmulatedInstance, name: string): SqlValue {
  const p = inst.product;
  const mi = inst.config.kind === 'managedInstance';
  switch (name.toLowerCase()) {
    case 'productversion':
      return p.productVersion;
    case 'productmajorversion':
      return String(p.major);
    case 'productminorversion':
      return String(p.minor);
    case 'productbuild':
      return String(p.build);
    case 'productbuildtype':
      return mi ? null : 'OD';
    case 'productlevel':
      return p.productLevel;
    case 'productupdatelevel':
      return p.updateLevel;
    case 'productupdatereference':
      return p.updateReference;
    case 'edition':
      return p.edition;
    case 'editionid':
      return mi ? 1674378470 : 1804890536;
    case 'engineedition':
      return p.engineEdition;
    case 'servername':
      return inst.serverName;
    case 'machinename':
    case 'computernamephysicalnetbios':
      return inst.machineName;
    case 'instancename':
      return null;
    case 'instancedefaultdatapath':
      return inst.config.defaultDataPath;
    case 'instancedefaultlogpath':
      return inst.config.defaultLogPath;
    case 'instancedefaultbackuppath':
      return inst.defaultBackupPath;
    case 'collation':
      return DEFAULT_COLLATION;
    case 'collationid':
      return 872468488;
    case 'lcid':
      return 1033;
    case 'sqlcharset':
      return 1;
    case 'sqlcharsetname':
      return 'iso_1';
    case 'sqlsortorder':
      return 52;
    case 'sqlsortordername':
      return 'nocase_iso';
    case 'ishadrenabled':
      return inst.isHadrEnabled() ? 1 : 0;
    case 'hadrmanagerstatus':
      // 1 = started and running, 2 = not started and failed (HADR off)
      return inst.isHadrEnabled() ? 1 : 2;
    case 'isclustered':
      return 0;
    case 'isfulltextinstalled':
      return 1;
    case 'isintegratedsecurityonly':
      return 0;
    case 'issingleuser':
      return 0;
    case 'isxtpsupported':
      return 1;
    case 'ispolybaseinstalled':
      return 0;
    case 'islocaldb':
      return 0;
    case 'isadvancedanalyticsinstalled':
      return 0;
    case 'buildclrversion':
      return 'v4.0.30319';
    case 'processid':
      return process.pid;
    case 'resourceversion':
      return p.productVersion.split('.').slice(0, 3).join('.');
    case 'resourcelastupdatedatetime':
      return inst.startTime;
    case 'servicename':
      return 'MSSQLSERVER';
    case 'filestreamconfiguredlevel':
    case 'filestreameffectivelevel':
      return 0;
    case 'filestreamsharename':
      return 'MSSQLSERVER';
    default:
      return null;
  }
}

/** @@globals that do not depend on the session */
export function serverGlobal(inst: EmulatedInstance, name: string): SqlValue | undefined {
  switch (name) {
    case 'VERSION':
      return inst.product.versionString;
    case 'SERVERNAME':
      return inst.serverName;
    case 'SERVICENAME':
      return 'MSSQLSERVER';
    case 'MICROSOFTVERSION':
      return microsoftVersion(inst.product);
    case 'MAX_PRECISION':
      return 38;
    case 'MAX_CONNECTIONS':
      return 32767;
    case 'LANGID':
      return 0;
    case 'LANGUAGE':
      return 'us_english';
    case 'DATEFIRST':
      return 7;
    case 'TEXTSIZE':
      return 2147483647;
    case 'LOCK_TIMEOUT':
      return -1;
    case 'NESTLEVEL':
      return 0;
    case 'PROCID':
      return 0;
    case 'IDENTITY':
      return null;
    case 'CPU_BUSY':
    case 'IDLE':
    case 'IO_BUSY':
    case 'PACKET_ERRORS':
    case 'TOTAL_ERRORS':
    case 'TOTAL_READ':
    case 'TOTAL_WRITE':
      return 0;
    case 'CONNECTIONS':
    case 'PACK_RECEIVED':
    case 'PACK_SENT':
      return inst.sessions().length;
    case 'TIMETICKS':
      return 31250;
    case 'DBTS':
      return Buffer.from('00000000000007D0', 'hex');
    case 'REMSERVER':
      return null;
    default:
      return undefined;
  }
}
