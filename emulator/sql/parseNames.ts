// Multi-part object names (server.db.schema.object, db..object) and data type references.
import { SqlError } from '../sqlError';
import type { SqlType } from '../tds/types';
import type { ObjectName, TypeRef } from './ast';
import type { TokenCursor } from './cursor';

/** Parses up to four dot-separated parts; empty middle parts (db..object) stay undefined. */
export function parseObjectName(cursor: TokenCursor): ObjectName {
  const parts: (string | undefined)[] = [cursor.identifier()];
  while (cursor.isOp('.') && parts.length < 4) {
    cursor.next();
    if (cursor.isOp('.')) {
      parts.push(undefined);
      continue;
    }
    parts.push(cursor.identifier());
  }
  const name = parts[parts.length - 1];
  if (name === undefined) cursor.fail();
  const [server, database, schema] = [undefined, undefined, undefined, ...parts.slice(0, -1)].slice(-3);
  const result: ObjectName = { name };
  if (server !== undefined) result.server = server;
  if (database !== undefined) result.database = database;
  if (schema !== undefined) result.schema = schema;
  return result;
}

/** ObjectName as SQL Server prints it in messages ("sys.nope", "db.dbo.t") */
export function formatObjectName(name: ObjectName): string {
  const parts = [name.server, name.database, name.schema, name.name];
  while (parts[0] === undefined) parts.shift();
  return parts.map((p) => p ?? '').join('.');
}

interface TypeInfo {
  type: SqlType;
  kind: 'plain' | 'chars' | 'decimal' | 'scale';
  length?: number;
  precision?: number;
  scale?: number;
}

const TYPES: Record<string, TypeInfo> = {
  INT: { type: 'int', kind: 'plain' },
  INTEGER: { type: 'int', kind: 'plain' },
  SMALLINT: { type: 'smallint', kind: 'plain' },
  TINYINT: { type: 'tinyint', kind: 'plain' },
  BIGINT: { type: 'bigint', kind: 'plain' },
  BIT: { type: 'bit', kind: 'plain' },
  DECIMAL: { type: 'decimal', kind: 'decimal' },
  DEC: { type: 'decimal', kind: 'decimal' },
  NUMERIC: { type: 'decimal', kind: 'decimal' },
  MONEY: { type: 'decimal', kind: 'plain', precision: 19, scale: 4 },
  SMALLMONEY: { type: 'decimal', kind: 'plain', precision: 10, scale: 4 },
  FLOAT: { type: 'float', kind: 'scale' },
  REAL: { type: 'float', kind: 'plain' },
  VARCHAR: { type: 'varchar', kind: 'chars' },
  CHAR: { type: 'varchar', kind: 'chars' },
  CHARACTER: { type: 'varchar', kind: 'chars' },
  NVARCHAR: { type: 'nvarchar', kind: 'chars' },
  NCHAR: { type: 'nvarchar', kind: 'chars' },
  SYSNAME: { type: 'nvarchar', kind: 'plain', length: 128 },
  TEXT: { type: 'varchar', kind: 'plain', length: -1 },
  NTEXT: { type: 'nvarchar', kind: 'plain', length: -1 },
  XML: { type: 'nvarchar', kind: 'plain', length: -1 },
  SQL_VARIANT: { type: 'nvarchar', kind: 'plain', length: 4000 },
  DATETIME: { type: 'datetime', kind: 'plain' },
  SMALLDATETIME: { type: 'datetime', kind: 'plain' },
  DATETIME2: { type: 'datetime2', kind: 'scale', scale: 7 },
  DATETIMEOFFSET: { type: 'datetimeoffset', kind: 'scale', scale: 7 },
  DATE: { type: 'date', kind: 'plain' },
  UNIQUEIDENTIFIER: { type: 'uniqueidentifier', kind: 'plain' },
  VARBINARY: { type: 'varbinary', kind: 'chars' },
  BINARY: { type: 'varbinary', kind: 'chars' },
  IMAGE: { type: 'varbinary', kind: 'plain', length: -1 },
  ROWVERSION: { type: 'varbinary', kind: 'plain', length: 8 },
  TIMESTAMP: { type: 'varbinary', kind: 'plain', length: 8 },
};

/**
 * A data type: `int`, `nvarchar(128)`, `varchar(max)`, `decimal(10, 2)`, `datetime2(3)`, `sysname`.
 * Character and binary types without a length get SQL Server's default for the context: 1 in
 * DECLARE, 30 in CAST/CONVERT.
 */
export function parseTypeRef(cursor: TokenCursor, context: 'declare' | 'cast'): TypeRef {
  const token = cursor.peek();
  if (token.kind !== 'word' && token.kind !== 'qident') cursor.fail();
  cursor.next();
  let written = token.upper;
  // `character varying`, `char varying`, `national character varying`, `double precision`
  if (written === 'NATIONAL' && cursor.isWord('CHAR', 'CHARACTER')) written = 'N' + cursor.next().upper;
  if ((written === 'CHAR' || written === 'CHARACTER' || written === 'NCHAR' || written === 'NCHARACTER') && cursor.acceptWord('VARYING'))
    written = written.startsWith('N') ? 'NVARCHAR' : 'VARCHAR';
  if (written === 'DOUBLE' && cursor.acceptWord('PRECISION')) written = 'FLOAT';
  if (written === 'NCHARACTER') written = 'NCHAR';
  if (written === 'TIME')
    throw new SqlError(40517, 1, 16, `Keyword or statement option 'time' is not supported in this version of SQL Server.`);
  const info = TYPES[written];
  if (!info) throw new SqlError(2715, 6, 16, `Column, parameter, or variable #1: Cannot find data type ${token.text}.`);
  const ref: TypeRef = { type: info.type, written };
  if (info.length !== undefined) ref.length = info.length;
  if (info.precision !== undefined) ref.precision = info.precision;
  if (info.scale !== undefined) ref.scale = info.scale;
  if (info.kind === 'chars') {
    if (cursor.acceptOp('(')) {
      ref.length = cursor.acceptWord('MAX') ? -1 : parseSize(cursor);
      cursor.expectOp(')');
    } else ref.length = context === 'declare' ? 1 : 30;
  } else if (info.kind === 'decimal') {
    ref.precision = 18;
    ref.scale = 0;
    if (cursor.acceptOp('(')) {
      ref.precision = parseSize(cursor);
      if (cursor.acceptOp(',')) ref.scale = parseSize(cursor);
      cursor.expectOp(')');
    }
  } else if (info.kind === 'scale') {
    if (cursor.acceptOp('(')) {
      const n = parseSize(cursor);
      if (info.type !== 'float') ref.scale = n;
      cursor.expectOp(')');
    }
  }
  return ref;
}

function parseSize(cursor: TokenCursor): number {
  const t = cursor.peek();
  if (t.kind !== 'integer') cursor.fail();
  cursor.next();
  return Number(t.text);
}
