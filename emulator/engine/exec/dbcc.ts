// DBCC CHECKDB (with SQL Server's messages, and the known 8992 on SQL Server 2022 for databases that
// came from a managed instance), plus the harmless DBCC commands scripts send.
import type { Statement } from '../../sql/ast';
import { SqlError } from '../../sqlError';
import type { SqlMessage } from '../../tds/types';
import { accessError } from '../access';
import type { Database } from '../model';
import type { ExecEnv } from './env';
import { evaluate } from './values';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

const info = (number: number, message: string): SqlMessage => ({ number, state: 1, class: 0, message });
const COMPLETED = info(2528, 'DBCC execution completed. If DBCC printed error messages, contact your system administrator.');

/** the messages DBCC produced; an error (class 16) among them makes the statement fail */
export function runDbcc(env: ExecEnv, stmt: Of<'dbcc'>): SqlMessage[] {
  const noInfo = stmt.withOptions.some((o) => o.toUpperCase() === 'NO_INFOMSGS');
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

function targetDatabase(env: ExecEnv, stmt: Of<'dbcc'>): Database {
  const inst = env.session.instance;
  if (stmt.args.length === 0) return inst.findDatabase(env.session.currentDatabase()) as Database;
  const value = evaluate(env, stmt.args[0]);
  const db = typeof value === 'number' ? inst.findDatabaseById(value) : inst.findDatabase(String(value ?? ''));
  if (!db) {
    throw new SqlError(2520, 11, 16, `Could not find database '${String(value)}'. The database either does not exist, or was dropped before a statement tried to use it. Verify if the database exists by querying the sys.databases catalog view.`);
  }
  return db;
}

function checkDb(env: ExecEnv, stmt: Of<'dbcc'>, noInfo: boolean): SqlMessage[] {
  const inst = env.session.instance;
  const db = targetDatabase(env, stmt);
  const denied = accessError(inst, db, env.session.spid);
  if (denied) throw denied;
  // the documented known issue: catalog error 8992 on SQL Server 2022 after a managed-instance backup was restored
  const knownIssue = inst.config.kind === 'sqlServer' && inst.product.major === 16 && db.restoredFromKind === 'managedInstance';
  const messages: SqlMessage[] = [];
  if (!noInfo) {
    messages.push(info(8990, `DBCC results for '${db.name}'.`));
    messages.push(info(2536, `Service Broker Msg 9675, State 1: Message Types analyzed: 14.`));
    for (const t of db.tables) {
      messages.push(info(2593, `There are ${t.rowCount} rows in ${Math.max(1, Math.ceil(t.rowCount / 50))} pages for object "${t.schema}.${t.name}".`));
    }
  }
  if (knownIssue) {
    messages.push({
      number: 8992,
      state: 1,
      class: 16,
      message: 'Check Catalog Msg 3851, State 1: An invalid row (class=128,depid=65536,depsubid=0) was found in the system table sys.syssingleobjrefs (class=128).',
    });
    messages.push(info(8989, `CHECKDB found 0 allocation errors and 1 consistency errors not associated with any single object.`));
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
