// RESTORE and BACKUP statements as the playbooks send them (REFERENCE.md 5.2-5.4, 6).
// Database names, URLs and MOVE targets are values, never spliced text.
import { AppError } from '../errors';
import { ident, int, Statement, str } from './statement';

export interface FileMove {
  logicalName: string;
  physicalName: string;
}

function urlList(urls: readonly string[]): (string | ReturnType<typeof str>)[] {
  if (urls.length === 0) throw new AppError('BAD_REQUEST', 'a backup or restore needs at least one URL');
  if (urls.length > 64) throw new AppError('BAD_REQUEST', `${urls.length} URLs: SQL Server takes at most 64 stripes`);
  const parts: (string | ReturnType<typeof str>)[] = [];
  urls.forEach((url, i) => {
    if (url.includes('?')) throw new AppError('BAD_REQUEST', 'a backup URL must not carry a SAS token; the credential holds it');
    parts.push(i === 0 ? 'URL = ' : ', URL = ', str(`url${i + 1}`, url));
  });
  return parts;
}

export function restoreInspect(kind: 'HEADERONLY' | 'FILELISTONLY' | 'LABELONLY' | 'VERIFYONLY', urls: readonly string[], checksum = false): Statement {
  return Statement.build([`RESTORE ${kind} FROM `, ...urlList(urls), checksum ? ' WITH CHECKSUM' : '']);
}

export interface RestoreOptions {
  database: string;
  urls: readonly string[];
  log?: boolean;
  moves?: readonly FileMove[];
  replace?: boolean;
  recovery: boolean;
  checksum?: boolean;
  /** percent between progress messages */
  stats?: number;
}

/** SQL Server: RESTORE DATABASE|LOG ... FROM URL ... WITH MOVE ..., [REPLACE,] [NO]RECOVERY, CHECKSUM, STATS. */
export function restoreOnSqlServer(o: RestoreOptions): Statement {
  const withParts: (string | ReturnType<typeof str>)[] = [];
  (o.moves ?? []).forEach((m, i) => {
    withParts.push(withParts.length ? ', MOVE ' : 'MOVE ', str(`move${i + 1}from`, m.logicalName), ' TO ', str(`move${i + 1}to`, m.physicalName));
  });
  const flags: string[] = [];
  if (o.replace) flags.push('REPLACE');
  flags.push(o.recovery ? 'RECOVERY' : 'NORECOVERY');
  if (o.checksum) flags.push('CHECKSUM');
  const parts: (string | ReturnType<typeof str> | ReturnType<typeof int>)[] = [
    `RESTORE ${o.log ? 'LOG' : 'DATABASE'} `,
    ident('database', o.database),
    ' FROM ',
    ...urlList(o.urls),
    ' WITH ',
    ...withParts,
    `${withParts.length ? ', ' : ''}${flags.join(', ')}`,
  ];
  if (o.stats !== undefined) parts.push(', STATS = ', int('stats', Math.max(1, Math.min(100, Math.round(o.stats)))));
  return Statement.build(parts);
}

/** A managed instance takes no WITH options at all (REFERENCE.md 5.4). */
export function restoreOnManagedInstance(database: string, urls: readonly string[]): Statement {
  return Statement.build(['RESTORE DATABASE ', ident('database', database), ' FROM ', ...urlList(urls)]);
}

/** Brings a database restored WITH NORECOVERY online. */
export function recoverDatabase(database: string): Statement {
  return Statement.build(['RESTORE DATABASE ', ident('database', database), ' WITH RECOVERY']);
}

export function backupToUrl(database: string, urls: readonly string[], options: { copyOnly: boolean; compression: boolean; checksum: boolean; stats?: number }): Statement {
  const flags = ['FORMAT'];
  if (options.copyOnly) flags.push('COPY_ONLY');
  if (options.compression) flags.push('COMPRESSION');
  if (options.checksum) flags.push('CHECKSUM');
  const parts: (string | ReturnType<typeof str> | ReturnType<typeof int> | ReturnType<typeof ident>)[] = [
    'BACKUP DATABASE ',
    ident('database', database),
    ' TO ',
    ...urlList(urls),
    ` WITH ${flags.join(', ')}`,
  ];
  if (options.stats !== undefined) parts.push(', STATS = ', int('stats', options.stats));
  return Statement.build(parts);
}
