// USE, CREATE / DROP DATABASE and ALTER DATABASE (MODIFY NAME, SET ...), with SQL Server's checks:
// names in use, system databases, exclusive access, transactions.
import type { Statement } from '../../sql/ast';
import { SqlError } from '../../sqlError';
import type { SqlMessage } from '../../tds/types';
import { accessError, databaseNotFound } from '../access';
import { isSystemDatabase } from '../databases';
import type { Database, RecoveryModel } from '../model';
import { sameName } from '../names';
import type { ExecEnv } from './env';
import { executeHadrDatabaseAction, hadrDatabaseAction, type HadrDatabaseAction } from '../../link/hadrDatabase';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

const info = (number: number, message: string): SqlMessage => ({ number, state: 1, class: 0, message });

export function runUse(env: ExecEnv, stmt: Of<'use'>): void {
  const inst = env.session.instance;
  const db = inst.findDatabase(stmt.database);
  if (!db) throw databaseNotFound(stmt.database);
  const error = accessError(inst, db, env.session.spid);
  if (error) throw error;
  env.session.setCurrentDatabase(db.name);
}

function notInTransaction(env: ExecEnv, statement: string, number: number, state: number): void {
  if (env.session.tranCount() > 0) {
    throw new SqlError(number, state, 16, `${statement} statement not allowed within multi-statement transaction.`);
  }
}

export function runCreateDatabase(env: ExecEnv, stmt: Of<'createDatabase'>): void {
  const inst = env.session.instance;
  notInTransaction(env, 'CREATE DATABASE', 226, 5);
  if (inst.findDatabase(stmt.name)) {
    throw new SqlError(1801, 3, 16, `Database '${stmt.name}' already exists. Choose a different database name.`);
  }
  if (stmt.name.length > 128 || stmt.name.length === 0) {
    throw new SqlError(103, 4, 15, `The identifier that starts with '${stmt.name.slice(0, 128)}' is too long. Maximum length is 128.`);
  }
  // the free space before the files are created (they take it once they exist)
  const free = inst.config.freeSpaceBytes;
  const db = inst.createDatabase(stmt.name);
  const needed = db.files.reduce((sum, f) => sum + f.sizeBytes, 0);
  if (free < needed) {
    // the files could not be created: the database does not exist afterwards
    inst.removeDatabase(db.name);
    const data = db.files[0];
    throw new SqlError(1802, 4, 16, 'CREATE DATABASE failed. Some file names listed could not be created. Check related errors.', [
      {
        number: 5149,
        state: 3,
        class: 16,
        message: `MODIFY FILE encountered operating system error 112(There is not enough space on the disk.) while attempting to expand the physical file '${data.physicalName}'.`,
      },
    ]);
  }
}

/** spids that keep `db` busy for DROP / exclusive operations: other sessions in it, and running BACKUP/RESTORE on it */
function busyWith(env: ExecEnv, db: Database, includeSelf: boolean): number[] {
  const inst = env.session.instance;
  const spids = new Set(inst.sessionsUsing(db.name, includeSelf ? -1 : env.session.spid));
  for (const r of inst.activeRequests()) if (sameName(r.databaseName, db.name)) spids.add(r.sessionId);
  return [...spids];
}

export function runDropDatabase(env: ExecEnv, stmt: Of<'dropDatabase'>): void {
  const inst = env.session.instance;
  if (env.session.tranCount() > 0) throw new SqlError(574, 0, 16, 'DROP DATABASE statement cannot be used inside a user transaction.');
  for (const name of stmt.names) {
    const db = inst.findDatabase(name);
    if (!db) {
      if (stmt.ifExists) continue;
      throw new SqlError(3701, 1, 11, `Cannot drop the database '${name}', because it does not exist or you do not have permission.`);
    }
    if (isSystemDatabase(db.name)) throw new SqlError(3708, 1, 16, `Cannot drop the database '${db.name}' because it is a system database.`);
    if (busyWith(env, db, true).length > 0) {
      throw new SqlError(3702, 4, 16, `Cannot drop database "${db.name}" because it is currently in use.`);
    }
    inst.removeDatabase(db.name);
  }
}

function alterTarget(env: ExecEnv, name: string): Database {
  const inst = env.session.instance;
  const dbName = name.toUpperCase() === 'CURRENT' ? env.session.currentDatabase() : name;
  const db = inst.findDatabase(dbName);
  if (!db) {
    throw alterFailed(
      new SqlError(5011, 5, 14, `User does not have permission to alter database '${dbName}', the database does not exist, or the database is not in a state that allows access checks.`),
    );
  }
  return db;
}

function alterFailed(error: SqlError): SqlError {
  return new SqlError(5069, 1, 16, 'ALTER DATABASE statement failed.', [...error.preceding, error.toMessage()]);
}

export function runRenameDatabase(env: ExecEnv, stmt: Of<'alterDatabaseRename'>): SqlMessage {
  const inst = env.session.instance;
  const db = alterTarget(env, stmt.name);
  if (isSystemDatabase(db.name)) throw new SqlError(5030, 2, 16, 'The database could not be exclusively locked to perform the operation.');
  const clash = inst.findDatabase(stmt.newName);
  if (clash && clash !== db) {
    throw new SqlError(1801, 3, 16, `Database '${stmt.newName}' already exists. Choose a different database name.`);
  }
  if (busyWith(env, db, false).length > 0) {
    throw new SqlError(5030, 2, 16, 'The database could not be exclusively locked to perform the operation.');
  }
  const renamingCurrent = sameName(env.session.currentDatabase(), db.name);
  inst.renameDatabase(db.name, stmt.newName);
  if (renamingCurrent) env.session.setCurrentDatabase(stmt.newName);
  return info(5022, `The database name '${stmt.newName}' has been set.`);
}

/** ALTER DATABASE ... SET: returns the informational messages it produced */
export function runAlterDatabaseSet(env: ExecEnv, stmt: Of<'alterDatabaseSet'>): SqlMessage[] {
  const inst = env.session.instance;
  const db = alterTarget(env, stmt.name);
  const messages: SqlMessage[] = [];
  const rollbackImmediate = stmt.termination === 'ROLLBACK IMMEDIATE' || stmt.termination?.startsWith('ROLLBACK AFTER') === true;
  /** exclusive options need the other sessions gone: killed with ROLLBACK, refused otherwise */
  const exclusive = (): void => {
    const others = busyWith(env, db, false);
    if (others.length === 0) return;
    if (!rollbackImmediate) {
      throw alterFailed(new SqlError(5061, 1, 16, `ALTER DATABASE failed because a lock could not be placed on database '${db.name}'. Try again later.`));
    }
    for (const spid of others) inst.session(spid)?.kill();
    messages.push({ number: 5060, state: 1, class: 0, message: 'Nonqualified transactions are being rolled back. Estimated rollback completion: 100%.' });
  };
  for (const option of stmt.options.map((o) => o.toUpperCase().replace(/\s+/g, ' ').trim())) {
    if (option === 'SINGLE_USER' || option === 'RESTRICTED_USER') {
      if (inst.config.kind === 'managedInstance' && isSystemDatabase(db.name)) throw notSupportedOnMi(option);
      exclusive();
      db.userAccess = option;
    } else if (option === 'MULTI_USER') {
      db.userAccess = 'MULTI_USER';
    } else if (option === 'OFFLINE') {
      if (inst.config.kind === 'managedInstance') throw notSupportedOnMi('OFFLINE');
      if (isSystemDatabase(db.name)) throw alterFailed(new SqlError(5058, 2, 16, `Option 'OFFLINE' cannot be set in database '${db.name}'.`));
      exclusive();
      if (sameName(env.session.currentDatabase(), db.name)) env.session.setCurrentDatabase('master');
      db.state = 'OFFLINE';
    } else if (option === 'ONLINE') {
      if (db.state === 'OFFLINE') db.state = 'ONLINE';
    } else if (option === 'READ_ONLY' || option === 'READ_WRITE') {
      exclusive();
      db.readOnly = option === 'READ_ONLY';
    } else if (option.startsWith('RECOVERY ')) {
      const model = option.slice('RECOVERY '.length).trim();
      if (model !== 'FULL' && model !== 'SIMPLE' && model !== 'BULK_LOGGED') throw incorrectSyntax(model);
      if (inst.config.kind === 'managedInstance' && model !== 'FULL') {
        throw alterFailed(new SqlError(5008, 1, 16, `This ALTER DATABASE statement is not supported. Correct the syntax and execute the statement again.`));
      }
      db.recoveryModel = model as RecoveryModel;
    } else if (hadrDatabaseAction(option)) {
      // a database of a Managed Instance link: suspend or resume its data movement
      executeHadrDatabaseAction(hadrDatabaseAction(option) as HadrDatabaseAction, inst.config.name, db.name, inst.links);
    } else if (option.startsWith('COMPATIBILITY_LEVEL')) {
      const level = Number(option.replace(/^COMPATIBILITY_LEVEL\s*=\s*/, ''));
      const max = inst.product.major >= 16 || inst.config.kind === 'managedInstance' ? 160 : inst.product.major * 10;
      if (!Number.isInteger(level) || level < 100 || level > Math.max(max, db.compatibilityLevel)) {
        throw new SqlError(15048, 1, 16, `Valid values of the database compatibility level are 100, 110, 120, 130, 140, 150, or ${max}.`);
      }
      db.compatibilityLevel = level;
    } else {
      // every other option (AUTO_CLOSE, PAGE_VERIFY, TRUSTWORTHY, QUERY_STORE ...) is accepted and has no effect here
    }
  }
  return messages;
}

function notSupportedOnMi(option: string): SqlError {
  return new SqlError(40517, 1, 16, `Keyword or statement option '${option}' is not supported in this version of SQL Server.`);
}

function incorrectSyntax(near: string): SqlError {
  return new SqlError(102, 1, 15, `Incorrect syntax near '${near}'.`);
}
