// DBCC CHECKDB (with SQL Server's messages, and the known 8992 on SQL Server 2022 for databases that
// came from a managed instance), plus the harmless DBCC commands scripts send.
//
// CHECKDB reads every data page, so it takes as long as reading the data files at the instance's
// throughput (the same pages and rate a full BACKUP takes), in simulated time; meanwhile it is a
// 'DBCC TABLE CHECK' row in sys.dm_exec_requests with percent_complete rising, and ATTENTION, KILL
// or sp_stop_job stop it as they stop a RESTORE. Its messages arrive at the end, as SQL Server
// sends them once the facts are sorted.
import { dataFileBytes, durationMs, PAGE_BYTES } from '../../backup/sizing';
import type { Statement } from '../../sql/ast';
import { SqlError } from '../../sqlError';
import type { ResultSet, SqlMessage } from '../../tds/types';
import { logSpace } from '../logSpace';
import { accessError } from '../access';
import { objectIdOf } from '../catalog/userObjects';
import type { EmulatedInstance } from '../instance';
import type { ActiveRequest, Database } from '../model';
import { FaultReached, runRequest } from '../progress';
import type { ExecEnv } from './env';
import { evaluate } from './values';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

const info = (number: number, message: string): SqlMessage => ({ number, state: 1, class: 0, message });
const COMPLETED = info(2528, 'DBCC execution completed. If DBCC printed error messages, contact your system administrator.');

/** what DBCC produced: its messages (an error, class 16, among them makes the statement fail), and a result set for the commands that return one */
export interface DbccOutcome {
  messages: SqlMessage[];
  resultSet?: ResultSet;
}

export async function runDbcc(env: ExecEnv, stmt: Of<'dbcc'>): Promise<DbccOutcome> {
  const noInfo = stmt.withOptions.some((o) => o.toUpperCase() === 'NO_INFOMSGS');
  if (stmt.command === 'SQLPERF') return sqlPerf(env, stmt, noInfo);
  return { messages: await runDbccMessages(env, stmt, noInfo) };
}

/**
 * DBCC SQLPERF(LOGSPACE): one row per database, as SQL Server returns it (Database Name, Log Size
 * (MB), Log Space Used (%), Status); the other SQLPERF forms (clearing wait statistics) only
 * complete.
 */
function sqlPerf(env: ExecEnv, stmt: Of<'dbcc'>, noInfo: boolean): DbccOutcome {
  const arg = stmt.args.length > 0 ? String(evaluate(env, stmt.args[0]) ?? '') : '';
  if (arg.toUpperCase() !== 'LOGSPACE') return { messages: noInfo ? [] : [COMPLETED] };
  const inst = env.session.instance;
  const rows = inst.databases().map((db) => {
    const space = logSpace(db, inst.config.kind);
    return [db.name, space.sizeBytes / (1024 * 1024), space.usedPercent, 0];
  });
  return {
    resultSet: {
      // real values travel as float (8 bytes): the wire has no 4-byte float here
      columns: [
        { name: 'Database Name', type: 'nvarchar', length: 128, nullable: true },
        { name: 'Log Size (MB)', type: 'float', nullable: true },
        { name: 'Log Space Used (%)', type: 'float', nullable: true },
        { name: 'Status', type: 'int', nullable: true },
      ],
      rows,
    },
    messages: noInfo ? [] : [COMPLETED],
  };
}

async function runDbccMessages(env: ExecEnv, stmt: Of<'dbcc'>, noInfo: boolean): Promise<SqlMessage[]> {
  switch (stmt.command) {
    case 'CHECKDB':
      return checkDb(env, stmt, noInfo);
    case 'TRACEON':
    case 'TRACEOFF':
    case 'FREEPROCCACHE':
    case 'DROPCLEANBUFFERS':
    case 'FREESYSTEMCACHE':
    case 'SHRINKFILE':
    case 'SHRINKDATABASE':
      return noInfo ? [] : [COMPLETED];
    default:
      throw new SqlError(2526, 3, 16, `Incorrect DBCC statement. Check the documentation for the correct DBCC syntax and options.`);
  }
}

function databaseNotFound(name: string): SqlError {
  return new SqlError(2520, 11, 16, `Could not find database '${name}'. The database either does not exist, or was dropped before a statement tried to use it. Verify if the database exists by querying the sys.databases catalog view.`);
}

function targetDatabase(env: ExecEnv, stmt: Of<'dbcc'>): Database {
  const inst = env.session.instance;
  if (stmt.args.length === 0) return inst.findDatabase(env.session.currentDatabase()) as Database;
  const value = evaluate(env, stmt.args[0]);
  const db = typeof value === 'number' ? inst.findDatabaseById(value) : inst.findDatabase(String(value ?? ''));
  if (!db) throw databaseNotFound(String(value));
  return db;
}

async function checkDb(env: ExecEnv, stmt: Of<'dbcc'>, noInfo: boolean): Promise<SqlMessage[]> {
  const inst = env.session.instance;
  const db = targetDatabase(env, stmt);
  const denied = accessError(inst, db, env.session.spid);
  if (denied) throw denied;

  const totalMs = durationMs(dataFileBytes(db.files), inst.config.throughputMBps);
  const request: ActiveRequest = {
    sessionId: env.session.spid,
    requestId: 0,
    command: 'DBCC TABLE CHECK',
    databaseName: db.name,
    startTime: inst.now(),
    status: 'running',
    percentComplete: 0,
    estimatedCompletionTime: Math.round(totalMs),
  };
  try {
    for await (const _percent of runRequest(inst, request, { totalMs, failAtPercent: inst.faultSwitches.checkdbFailAtPercent() }, env.signal)) {
      const lost = lostDatabase(inst, db, env.session.spid);
      if (lost) throw lost;
    }
  } catch (error) {
    if (error instanceof FaultReached) return corruptionFound(db, error.percent, noInfo);
    throw error;
  }

  // the documented known issue: catalog error 8992 on SQL Server 2022 after a managed-instance backup was restored
  const knownIssue = inst.config.kind === 'sqlServer' && inst.product.major === 16 && db.restoredFromKind === 'managedInstance';
  const messages: SqlMessage[] = [];
  if (!noInfo) {
    messages.push(...resultsHeader(db));
    for (const t of db.tables) messages.push(rowsLine(t));
  }
  if (knownIssue) {
    messages.push({
      number: 8992,
      state: 1,
      class: 16,
      message: 'Check Catalog Msg 3851, State 1: An invalid row (class=128,depid=65536,depsubid=0) was found in the system table sys.syssingleobjrefs (class=128).',
    });
    messages.push(info(8954, `CHECKDB found 0 allocation errors and 1 consistency errors not associated with any single object.`));
    messages.push(info(8989, `CHECKDB found 0 allocation errors and 1 consistency errors in database '${db.name}'.`));
    if (!noInfo) messages.push(COMPLETED);
    return messages;
  }
  if (!noInfo) {
    messages.push(info(8989, `CHECKDB found 0 allocation errors and 0 consistency errors in database '${db.name}'.`));
    messages.push(COMPLETED);
  }
  return messages;
}

function resultsHeader(db: Database): SqlMessage[] {
  return [info(2536, `DBCC results for '${db.name}'.`), info(8997, `Service Broker Msg 9675, State 1: Message Types analyzed: 14.`)];
}

function rowsLine(t: Database['tables'][number]): SqlMessage {
  return info(2593, `There are ${t.rowCount} rows in ${Math.max(1, Math.ceil(t.rowCount / 50))} pages for object "${t.schema}.${t.name}".`);
}

/**
 * The database went away under the check without killing its session (an ARM delete, a RESTORE
 * over it): the error CHECKDB ends with. DROP DATABASE and SET OFFLINE from T-SQL cannot get here,
 * as in SQL Server: the check holds the database (3702 / 5061), and WITH ROLLBACK IMMEDIATE kills
 * the checking session. UNCONFIRMED: SQL Server's exact error for this; 2520 (dropped) and the
 * error opening a database in that state (942 offline, 927 restoring ...) are the closest
 * documented ones.
 */
function lostDatabase(inst: EmulatedInstance, db: Database, spid: number): SqlError | undefined {
  if (inst.findDatabaseById(db.databaseId) !== db) return databaseNotFound(db.name);
  if (db.state !== 'ONLINE') return accessError(inst, db, spid);
  return undefined;
}

/** the object the check was reading at `percent`: user tables laid out by row count, else a system table */
function objectAt(db: Database, percent: number): { objectId: number; indexId: number; name: string; table?: Database['tables'][number] } {
  const totalRows = db.tables.reduce((sum, t) => sum + t.rowCount, 0);
  let seen = 0;
  for (const t of db.tables) {
    seen += t.rowCount;
    if (totalRows === 0 || (seen * 100) / totalRows >= percent) {
      return { objectId: objectIdOf(t), indexId: t.heap ? 0 : 1, name: t.schema.toLowerCase() === 'dbo' ? t.name : `${t.schema}.${t.name}`, table: t };
    }
  }
  return { objectId: 3, indexId: 1, name: 'sys.sysrscols' };
}

/**
 * checkdbFailAtPercent: CHECKDB finds a page it cannot read at that percent and the statement ends
 * there with SQL Server's messages for it (8939 state 98 and 8928, class 16; the table and
 * database summaries 8990 / 8989 and the minimum repair level 8958). Ending at the percent, rather
 * than at 100, lets a test choose when the app sees the failure.
 */
function corruptionFound(db: Database, percent: number, noInfo: boolean): SqlMessage[] {
  const pages = Math.max(2, Math.ceil(dataFileBytes(db.files) / PAGE_BYTES));
  const page = `(1:${Math.min(pages - 1, Math.max(1, Math.floor((pages * percent) / 100)))})`;
  const victim = objectAt(db, percent);
  // partition and hobt ids as sys.partitions shows them; the in-row allocation unit belongs to that partition
  const partitionId = BigInt(victim.objectId) * 65536n + BigInt(victim.indexId);
  const ids = `Object ID ${victim.objectId}, index ID ${victim.indexId}, partition ID ${partitionId}, alloc unit ID ${partitionId} (type In-row data)`;
  const errors: SqlMessage[] = [
    { number: 8939, state: 98, class: 16, message: `Table error: ${ids}, page ${page}. Test (IS_OFF (BUF_IOERR, pBUF->bstat)) failed. Values are 133129 and -4.` },
    { number: 8928, state: 1, class: 16, message: `${ids}: Page ${page} could not be processed.  See other errors for details.` },
  ];
  const tableSummary = info(8990, `CHECKDB found 0 allocation errors and ${errors.length} consistency errors in table '${victim.name}' (object ID ${victim.objectId}).`);
  const messages: SqlMessage[] = [];
  if (noInfo) {
    messages.push(...errors, tableSummary);
  } else {
    messages.push(...resultsHeader(db));
    // the tables checked before the damaged one, then its errors; the rest was not reached
    for (const t of db.tables) {
      if (t === victim.table) break;
      messages.push(rowsLine(t));
    }
    messages.push(...errors);
    if (victim.table) messages.push(rowsLine(victim.table));
    messages.push(tableSummary);
  }
  messages.push(info(8989, `CHECKDB found 0 allocation errors and ${errors.length} consistency errors in database '${db.name}'.`));
  messages.push(info(8958, `repair_allow_data_loss is the minimum repair level for the errors found by DBCC CHECKDB (${db.name}).`));
  if (!noInfo) messages.push(COMPLETED);
  return messages;
}
