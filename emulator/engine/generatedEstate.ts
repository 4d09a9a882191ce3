// A generated estate for scale work: N managed instances, each with M links, as a link-health
// monitor meets them (one MI holds up to 100 links: REFERENCE 1.1). By default each managed
// instance gets its own SQL Server (sql-00 for mi-00, ...) with one availability group and one
// distributed availability group per linked database (AG_db000 under Link_db000 ...); with
// `sqlServers` fewer SQL Servers each carry the AGs of several managed instances, round-robin.
// Names are zero-padded so lists sort as they are numbered.
import type { Estate, EstateInstance, EstateLink } from './estate';

export interface ManyLinksOptions {
  /** managed instances (default 10) */
  managedInstances?: number;
  /** links per managed instance, one database each (default 100) */
  linksPerInstance?: number;
  /** SQL Servers the links' primaries live on (default: one per managed instance) */
  sqlServers?: number;
  /** transactions per second on each linked database (default 5: 5 KB/s of log each) */
  workloadTps?: number;
  /** every instance's first login (sysadmin) */
  login?: { name: string; password: string };
  clockSpeed?: number;
  /** the links' network (defaults: the link emulator's) */
  bandwidthKBps?: number;
  latencyMs?: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** managed instance i's name */
export const managedInstanceName = (i: number): string => `mi-${pad(i, 2)}`;
/** SQL Server j's name */
export const sqlServerName = (j: number): string => `sql-${pad(j, 2)}`;
/** the database of link k on a managed instance */
export const linkedDatabaseName = (k: number): string => `db${pad(k, 3)}`;
/** link k of a managed instance: Link_db000 ... (unique per managed instance, as ARM needs) */
export const linkName = (k: number): string => `Link_${linkedDatabaseName(k)}`;

/**
 * The estate file of a generated estate: `startEstate(manyLinks({ managedInstances: 10,
 * linksPerInstance: 100 }), { services })` serves 10 managed instances and 10 SQL Servers with
 * 1000 links. With fewer SQL Servers than managed instances, a SQL Server hosts the databases of
 * several managed instances under distinct names (db000_mi01 ...).
 */
export function manyLinks(options: ManyLinksOptions = {}): Estate {
  const mis = options.managedInstances ?? 10;
  const perMi = options.linksPerInstance ?? 100;
  const sqls = Math.max(1, Math.min(options.sqlServers ?? mis, mis));
  const login = options.login ?? { name: 'sa', password: 'Generated-Estate-Local-Only-1' };
  const tps = options.workloadTps ?? 5;
  const sqlInstances: EstateInstance[] = Array.from({ length: sqls }, (_, j) => ({ name: sqlServerName(j), kind: 'sqlServer', logins: [login], databases: [] }));
  const miInstances: EstateInstance[] = [];
  const links: EstateLink[] = [];
  for (let i = 0; i < mis; i++) {
    const mi: EstateInstance = { name: managedInstanceName(i), kind: 'managedInstance', updatePolicy: 'SQL Server 2022', logins: [{ name: 'miadmin', password: login.password }], databases: [] };
    const sql = sqlInstances[i % sqls];
    // a SQL Server shared by several managed instances names their databases apart
    const suffix = sqls < mis ? `_${managedInstanceName(i).replace('-', '')}` : '';
    for (let k = 0; k < perMi; k++) {
      const db = `${linkedDatabaseName(k)}${suffix}`;
      sql.databases?.push({ name: db, recoveryModel: 'FULL', workloadTps: tps, sizeMB: 64 });
      mi.databases?.push({ name: db, sizeMB: 64 });
      links.push({
        name: `${linkName(k)}${suffix}`,
        sqlServer: { instance: sql.name, availabilityGroup: `AG_${db}` },
        managedInstance: { instance: mi.name },
        databases: [db],
        ...(options.bandwidthKBps !== undefined ? { bandwidthKBps: options.bandwidthKBps } : {}),
        ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
      });
    }
    miInstances.push(mi);
  }
  return { clockSpeed: options.clockSpeed ?? 1, instances: [...sqlInstances, ...miInstances], links };
}
