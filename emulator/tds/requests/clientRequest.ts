// Turns a decoded RPC call into the engine's ClientRequest: sp_executesql becomes 'executesql'
// (statement + named values), everything else an 'rpc' by name.
import type { ClientRequest, RpcParameter, SqlValue } from '../types';
import { parseParamDeclarations } from './paramDeclarations';
import type { DecodedParameter, RpcCall } from './rpcRequest';

function isExecuteSql(procName: string): boolean {
  return /^(\[?sys\]?\.|\[?dbo\]?\.|\.\.)?\[?sp_executesql\]?$/i.test(procName.trim());
}

function textOf(value: SqlValue): string {
  if (value === null) return '';
  return typeof value === 'string' ? value : String(value);
}

export function toRpcParameter(p: DecodedParameter, name = p.name, output = p.output): RpcParameter {
  const { info } = p;
  let length: number | undefined;
  if (info.sqlType === 'nvarchar') length = info.plp ? -1 : (info.maxLength ?? 0) / 2;
  else if (info.sqlType === 'varchar' || info.sqlType === 'varbinary') length = info.plp ? -1 : info.maxLength;
  const param: RpcParameter = { name, type: info.sqlType, value: p.value, output };
  if (length !== undefined) param.length = length;
  if (info.precision !== undefined) param.precision = info.precision;
  if (info.scale !== undefined) param.scale = info.scale;
  return param;
}

export function toClientRequest(call: RpcCall): ClientRequest {
  if (!isExecuteSql(call.procName)) {
    return { kind: 'rpc', procName: call.procName, params: call.params.map((p) => toRpcParameter(p)) };
  }
  const [statement, ...rest] = call.params;
  let declarations: ReturnType<typeof parseParamDeclarations> = [];
  let values = rest;
  // The second argument is @params when it is named so, or positional and followed by values.
  if (rest.length > 0 && (rest[0].name.toLowerCase() === '@params' || (rest[0].name === '' && rest[0].info.sqlType.endsWith('varchar')))) {
    declarations = parseParamDeclarations(textOf(rest[0].value));
    values = rest.slice(1);
  }
  const params = values.map((p, i) => {
    const declared = p.name === '' ? declarations[i] : declarations.find((d) => d.name.toLowerCase() === p.name.toLowerCase());
    return toRpcParameter(p, p.name === '' ? (declared?.name ?? '') : p.name, p.output || (declared?.output ?? false));
  });
  return { kind: 'executesql', sql: statement ? textOf(statement.value) : '', params };
}
