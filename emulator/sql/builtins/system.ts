// Functions whose answers come from the engine: SERVERPROPERTY, DB_ID, DB_NAME, NEWID, and the
// security/metadata functions the engine implements through ctx.callFunction.
import { createHash, randomUUID } from 'node:crypto';
import type { SqlValue } from '../../tds/types';
import { convertValue } from '../convert';
import { unknownFunction } from '../errors';
import { INT, isNumericType, isStringType, nvarchar, SYSNAME, typeOfValue, UNIQUEIDENTIFIER, type TypeInfo } from '../sqlTypes';
import { text } from './strings';
import type { FunctionCall, FunctionTable } from './types';

/** Result types of functions the engine answers through ctx.callFunction (sql_variant ones as nvarchar). */
export const ENGINE_FUNCTION_TYPES: Record<string, TypeInfo> = {
  OBJECT_ID: INT,
  OBJECT_NAME: SYSNAME,
  OBJECT_SCHEMA_NAME: SYSNAME,
  SCHEMA_ID: INT,
  SCHEMA_NAME: SYSNAME,
  SUSER_SNAME: SYSNAME,
  SUSER_NAME: SYSNAME,
  SUSER_ID: INT,
  SUSER_SID: { type: 'varbinary', length: 85 },
  USER_NAME: SYSNAME,
  USER_ID: INT,
  ORIGINAL_LOGIN: SYSNAME,
  HOST_NAME: SYSNAME,
  APP_NAME: SYSNAME,
  HAS_DBACCESS: INT,
  IS_SRVROLEMEMBER: INT,
  IS_MEMBER: INT,
  IS_ROLEMEMBER: INT,
  HAS_PERMS_BY_NAME: INT,
  DATABASE_PRINCIPAL_ID: INT,
  DATABASEPROPERTYEX: nvarchar(128),
  FILE_ID: INT,
  FILE_NAME: SYSNAME,
  FILEPROPERTY: INT,
  ERROR_MESSAGE: nvarchar(4000),
  ERROR_NUMBER: INT,
  ERROR_SEVERITY: INT,
  ERROR_STATE: INT,
  ERROR_LINE: INT,
  ERROR_PROCEDURE: SYSNAME,
  XACT_STATE: INT,
  SCOPE_IDENTITY: { type: 'decimal', precision: 38, scale: 0 },
  CONTEXT_INFO: { type: 'varbinary', length: 128 },
  SESSION_CONTEXT: nvarchar(4000),
  CONNECTIONPROPERTY: nvarchar(128),
  FN_HADR_IS_PRIMARY_REPLICA: { type: 'bit' },
  FN_HADR_BACKUP_IS_PREFERRED_REPLICA: { type: 'bit' },
  FN_VARBINTOHEXSTR: nvarchar(4000),
};

const HASH_ALGORITHMS: Record<string, string> = { MD5: 'md5', SHA: 'sha1', SHA1: 'sha1', SHA2_256: 'sha256', SHA2_512: 'sha512' };

/** the type of an engine function's result; unknown ones are read as nvarchar (sql_variant) */
export const engineFunctionType = (name: string): TypeInfo => ENGINE_FUNCTION_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? nvarchar(4000);

/** asks the engine; 195 when it does not know the function either */
export function callEngineFunction(call: FunctionCall, name = call.name): SqlValue {
  const value = call.ev.ctx.callFunction?.(name, call.args);
  if (value === undefined) throw unknownFunction(call.name);
  const declared = engineFunctionType(name);
  if (value === null) return null;
  return convertValue(value, typeOfValue(value), declared, undefined, false);
}

/** sql_variant answers (SERVERPROPERTY) are returned as nvarchar, which is what clients read */
function asNvarchar(value: SqlValue): SqlValue {
  if (value === null || typeof value === 'string') return value;
  return convertValue(value, typeOfValue(value), nvarchar(4000), undefined, false);
}

export const SYSTEM_FUNCTIONS: FunctionTable = {
  SERVERPROPERTY: {
    arity: [1, 1],
    resultType: () => nvarchar(4000),
    evaluate: ({ ev, args, types }) => asNvarchar(ev.ctx.serverProperty(text(args[0], types[0]))),
  },
  DB_ID: {
    arity: [0, 1],
    handlesNull: true,
    resultType: () => INT,
    evaluate: ({ ev, args, types }) => {
      if (args.length === 0) return ev.ctx.dbId();
      return args[0] === null ? null : ev.ctx.dbId(text(args[0], types[0]));
    },
  },
  DB_NAME: {
    arity: [0, 1],
    handlesNull: true,
    resultType: () => SYSNAME,
    evaluate: ({ ev, args, types }) => {
      if (args.length === 0) return ev.ctx.dbName();
      if (args[0] === null) return null;
      const id = isStringType(types[0]) ? Number(convertValue(args[0], types[0], INT)) : Number(args[0]);
      return ev.ctx.dbName(id);
    },
  },
  NEWID: { arity: [0, 0], resultType: () => UNIQUEIDENTIFIER, evaluate: () => randomUUID().toUpperCase() },
  HASHBYTES: {
    arity: [2, 2],
    resultType: () => ({ type: 'varbinary', length: 8000 }),
    evaluate: ({ args, types }) => {
      const algorithm = HASH_ALGORITHMS[text(args[0], types[0]).toUpperCase()];
      if (!algorithm) return null;
      const input = args[1];
      const bytes = Buffer.isBuffer(input) ? input : Buffer.from(text(input, types[1]), types[1].type === 'nvarchar' ? 'utf16le' : 'latin1');
      return createHash(algorithm).update(bytes).digest();
    },
  },
  // niladic forms of USER_NAME() / SUSER_SNAME()
  CURRENT_USER: { arity: [0, 0], resultType: () => SYSNAME, evaluate: (call) => callEngineFunction(call, 'USER_NAME') },
  USER: { arity: [0, 0], resultType: () => SYSNAME, evaluate: (call) => callEngineFunction(call, 'USER_NAME') },
  SESSION_USER: { arity: [0, 0], resultType: () => SYSNAME, evaluate: (call) => callEngineFunction(call, 'USER_NAME') },
  SYSTEM_USER: { arity: [0, 0], resultType: () => SYSNAME, evaluate: (call) => callEngineFunction(call, 'SUSER_SNAME') },
  ISNUMERIC: {
    arity: [1, 1],
    handlesNull: true,
    resultType: () => INT,
    evaluate: ({ args, types }) => {
      if (args[0] === null) return 0;
      if (!isStringType(types[0])) return isNumericType(types[0]) || types[0].type === 'float' || types[0].type === 'bit' ? 1 : 0;
      return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(String(args[0])) ? 1 : 0;
    },
  },
};
