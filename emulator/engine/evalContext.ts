// The EvalContext the SELECT evaluator reads: catalog resolution, variables, @@globals,
// SERVERPROPERTY, DB_ID/DB_NAME and the engine's own functions, all for one session and batch.
import type { EvalContext, Variable } from '../sql/context';
import type { SqlValue } from '../tds/types';
import { resolveTable, resolveTableFunction } from './catalog';
import type { ExecSession } from './exec/env';
import { callServerFunction } from './functions';
import { serverGlobal, serverProperty } from './serverProperties';
import { lastIdentity, TableVariables, undeclaredTable } from './tableVariable';

export function buildEvalContext(session: ExecSession, variables: Map<string, Variable>, tables: TableVariables = new TableVariables()): EvalContext {
  const inst = session.instance;
  const fnSession = {
    spid: session.spid,
    loginName: session.loginName,
    hostName: session.hostName,
    programName: session.programName,
    currentDatabase: () => session.currentDatabase(),
    isSysadmin: session.login.sysadmin,
  };
  return {
    resolveTable: (name) => {
      // FROM @t: the batch's table variable (the parser gives it as a one-part name with the @)
      if (name.name.startsWith('@') && name.schema === undefined && name.database === undefined && name.server === undefined) {
        const table = tables.get(name.name.toLowerCase());
        if (!table) throw undeclaredTable(name.name);
        return table.asVirtualTable();
      }
      return resolveTable({ instance: inst, spid: session.spid, currentDatabase: session.currentDatabase() }, name);
    },
    tableFunction: (name) => resolveTableFunction({ instance: inst, spid: session.spid, currentDatabase: session.currentDatabase() }, name),
    variables,
    global: (name) => sessionGlobal(session, name.toUpperCase()) ?? serverGlobal(inst, name.toUpperCase()),
    serverProperty: (name) => serverProperty(inst, name),
    dbId: (name) => {
      if (name === undefined) return inst.findDatabase(session.currentDatabase())?.databaseId ?? null;
      return inst.findDatabase(name)?.databaseId ?? null;
    },
    dbName: (id) => {
      if (id === undefined) return session.currentDatabase();
      return inst.findDatabaseById(id)?.name ?? null;
    },
    currentDatabase: () => session.currentDatabase(),
    now: () => inst.now(),
    callFunction: (name, args) => {
      // numeric(38,0): exact digits as text, like every DECIMAL value
      if (name.toUpperCase() === 'SCOPE_IDENTITY' && args.length === 0) return tables.scopeIdentity === null ? null : String(tables.scopeIdentity);
      return callServerFunction(inst, fnSession, name, args);
    },
  };
}

function sessionGlobal(session: ExecSession, name: string): SqlValue | undefined {
  switch (name) {
    case 'SPID':
      return session.spid;
    case 'ROWCOUNT':
      return session.rowCount;
    case 'TRANCOUNT':
      return session.tranCount();
    case 'ERROR':
      return session.lastError;
    case 'IDENTITY': {
      const value = lastIdentity(session);
      return value === null ? undefined : String(value);
    }
    case 'OPTIONS':
      return optionsBitmask(session.options);
    default:
      return undefined;
  }
}

/** @@OPTIONS: the user options bit mask SET statements change */
function optionsBitmask(options: Map<string, string>): number {
  const bits: [string, number][] = [
    ['IMPLICIT_TRANSACTIONS', 2],
    ['CURSOR_CLOSE_ON_COMMIT', 4],
    ['ANSI_WARNINGS', 8],
    ['ANSI_PADDING', 16],
    ['ANSI_NULLS', 32],
    ['ARITHABORT', 64],
    ['ARITHIGNORE', 128],
    ['QUOTED_IDENTIFIER', 256],
    ['NOCOUNT', 512],
    ['ANSI_NULL_DFLT_ON', 1024],
    ['ANSI_NULL_DFLT_OFF', 2048],
    ['CONCAT_NULL_YIELDS_NULL', 4096],
    ['NUMERIC_ROUNDABORT', 8192],
    ['XACT_ABORT', 16384],
  ];
  return bits.reduce((mask, [name, bit]) => (options.get(name) === 'ON' ? mask | bit : mask), 0);
}
