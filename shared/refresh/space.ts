// Room on the target for the staging copy: it is restored beside the live copy (and the previous
// copies kept), so the target must have the source's data and log size free before anything is
// touched. Free space comes from sys.dm_os_volume_stats over the target's files; the data and log
// files go to the instance's default folders, each on its volume.
import type { SqlClient } from '../sql/pools';

export interface VolumeFree {
  /** C:\ or a mount point; null on Linux (the DMV returns NULL names there) */
  mount: string | null;
  freeBytes: number;
}

export interface SpaceNeed {
  dataBytes: number;
  logBytes: number;
  /** the target's default data and log folders (SERVERPROPERTY InstanceDefaultDataPath/LogPath) */
  dataPath?: string;
  logPath?: string;
}

export interface SpaceVerdict {
  ok: boolean;
  message: string;
}

const GiB = 1024 ** 3;
const gib = (bytes: number): string => `${(bytes / GiB).toFixed(2)} GiB`;
const norm = (p: string): string => p.replace(/\//g, '\\').toLowerCase();

/** The volume a folder is on: the longest mount point it starts with; else, not knowable, the one with least room. */
function volumeOf(path: string | undefined, volumes: VolumeFree[]): VolumeFree {
  const named = path ? volumes.filter((v) => v.mount && norm(path).startsWith(norm(v.mount))) : [];
  if (named.length > 0) return named.sort((a, b) => (b.mount as string).length - (a.mount as string).length)[0];
  return volumes.reduce((least, v) => (v.freeBytes < least.freeBytes ? v : least));
}

/** Pure: whether the data and log files fit on the volumes they go to. */
export function spaceVerdict(target: string, need: SpaceNeed, volumes: VolumeFree[]): SpaceVerdict {
  const total = need.dataBytes + need.logBytes;
  if (volumes.length === 0) return { ok: true, message: `free space on ${target} could not be read (sys.dm_os_volume_stats gave no row); the restore will say if ${gib(total)} does not fit` };
  const dataVolume = volumeOf(need.dataPath, volumes);
  const logVolume = volumeOf(need.logPath, volumes);
  const needs = new Map<VolumeFree, number>();
  needs.set(dataVolume, need.dataBytes);
  needs.set(logVolume, (needs.get(logVolume) ?? 0) + need.logBytes);
  const short = [...needs].filter(([v, bytes]) => bytes > v.freeBytes);
  const where = (v: VolumeFree): string => (v.mount ? `on ${v.mount}` : 'on its volume');
  if (short.length > 0) {
    const parts = short.map(([v, bytes]) => `${gib(v.freeBytes)} free ${where(v)} where ${gib(bytes)} must go`);
    return { ok: false, message: `${target} has ${parts.join(', and ')}: the staging copy (data ${gib(need.dataBytes)}, log ${gib(need.logBytes)}) is restored beside the live copy, so that much must be free` };
  }
  return { ok: true, message: `${target} has room for the staging copy: ${[...needs].map(([v, bytes]) => `${gib(bytes)} of ${gib(v.freeBytes)} free ${where(v)}`).join(', ')}` };
}

/** The source database's data and log bytes (sys.master_files; undefined when it does not exist). */
export async function databaseSize(client: SqlClient, database: string): Promise<{ dataBytes: number; logBytes: number } | undefined> {
  const r = await client.query<{ dataBytes: number | string | null; logBytes: number | string | null; files: number }>({
    text: 'SELECT SUM(CASE WHEN type = 1 THEN 0 ELSE CAST(size AS bigint) END) * 8192 AS dataBytes, SUM(CASE WHEN type = 1 THEN CAST(size AS bigint) ELSE 0 END) * 8192 AS logBytes, COUNT(*) AS files FROM sys.master_files WHERE database_id = DB_ID(@db)',
    params: [{ name: 'db', type: 'nvarchar', value: database }],
  });
  const row = r.recordsets[0]?.[0];
  if (!row || !row.files) return undefined;
  return { dataBytes: Number(row.dataBytes ?? 0), logBytes: Number(row.logBytes ?? 0) };
}

/** The target's volumes with their free bytes, and its default data and log folders. */
export async function targetVolumes(client: SqlClient): Promise<{ volumes: VolumeFree[]; dataPath?: string; logPath?: string }> {
  const r = await client.batch<{ mount: string | null; freeBytes: number | string } & { dataPath: string | null; logPath: string | null }>(
    "SELECT DISTINCT vs.volume_mount_point AS mount, vs.available_bytes AS freeBytes FROM sys.master_files AS f CROSS APPLY sys.dm_os_volume_stats(f.database_id, f.file_id) AS vs;\nSELECT CAST(SERVERPROPERTY('InstanceDefaultDataPath') AS nvarchar(260)) AS dataPath, CAST(SERVERPROPERTY('InstanceDefaultLogPath') AS nvarchar(260)) AS logPath;",
  );
  const volumes = (r.recordsets[0] ?? []).map((v) => ({ mount: v.mount, freeBytes: Number(v.freeBytes) }));
  const paths = r.recordsets[1]?.[0];
  return { volumes, dataPath: paths?.dataPath ?? undefined, logPath: paths?.logPath ?? undefined };
}
