// sp_prepare / sp_execute / sp_prepexec / sp_unprepare, kept per connection as SQL Server does:
// a prepared handle maps to the statement and its @params declarations, and each execution reaches
// the engine as an ordinary sp_executesql request. (mssql's PreparedStatement uses these.)
import type { ClientRequest, RequestOutput, RpcParameter, SqlMessage, SqlValue } from '../types';
import { parseParamDeclarations, type ParamDeclaration } from './paramDeclarations';

interface Prepared {
  sql: string;
  declarations: ParamDeclaration[];
}

type Executor = (request: ClientRequest) => AsyncIterable<RequestOutput>;

const PROCEDURES = new Set(['sp_prepare', 'sp_execute', 'sp_prepexec', 'sp_unprepare']);

function procedureName(procName: string): string | undefined {
  const bare = procName
    .trim()
    .toLowerCase()
    .replace(/^(\[?sys\]?\.)/, '')
    .replace(/[[\]]/g, '');
  return PROCEDURES.has(bare) ? bare : undefined;
}

function text(value: SqlValue | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

function handleNotFound(handle: SqlValue | undefined): SqlMessage {
  return { number: 8179, state: 4, class: 16, message: `Could not find prepared statement with handle ${text(handle)}.` };
}

export class PreparedStatements {
  private readonly statements = new Map<number, Prepared>();
  private nextHandle = 1;

  /** True for the prepare-family procedures this class answers. */
  handles(request: ClientRequest): boolean {
    return request.kind === 'rpc' && procedureName(request.procName) !== undefined;
  }

  /** Runs one prepare-family call; `execute` runs the translated sp_executesql on the engine. */
  async *run(request: ClientRequest, execute: Executor): AsyncGenerator<RequestOutput> {
    if (request.kind !== 'rpc') return;
    const proc = procedureName(request.procName);
    const params = request.params;
    if (proc === 'sp_unprepare') {
      this.statements.delete(Number(params[0]?.value));
      return;
    }
    if (proc === 'sp_prepare' || proc === 'sp_prepexec') {
      const [handleParam, declarationsParam, statementParam, ...values] = params;
      const handle = this.nextHandle++;
      this.statements.set(handle, {
        sql: text(statementParam?.value),
        declarations: parseParamDeclarations(text(declarationsParam?.value)),
      });
      if (proc === 'sp_prepexec') yield* execute(this.toExecuteSql(handle, values));
      if (handleParam) yield { type: 'returnValue', name: handleParam.name, paramType: 'int', value: handle };
      return;
    }
    // sp_execute
    const [handleParam, ...values] = params;
    const handle = Number(handleParam?.value);
    if (!this.statements.has(handle)) {
      yield { type: 'message', message: handleNotFound(handleParam?.value) };
      yield { type: 'statementDone', error: true };
      return;
    }
    yield* execute(this.toExecuteSql(handle, values));
  }

  private toExecuteSql(handle: number, values: RpcParameter[]): ClientRequest {
    const prepared = this.statements.get(handle) as Prepared;
    const params = values.map((p, i) => {
      const declared =
        p.name === ''
          ? prepared.declarations[i]
          : prepared.declarations.find((d) => d.name.toLowerCase() === p.name.toLowerCase());
      return { ...p, name: p.name === '' ? (declared?.name ?? '') : p.name, output: p.output || (declared?.output ?? false) };
    });
    return { kind: 'executesql', sql: prepared.sql, params };
  }
}
