// The T-SQL the emulator understands, as a syntax tree. emulator/sql parses batches into these;
// emulator/engine executes them. Identifiers are stored unquoted ([a]]b] -> "a]b").

import type { SqlType, SqlValue } from '../tds/types';

/** A possibly multi-part name: server.database.schema.object (missing parts undefined). */
export interface ObjectName {
  server?: string;
  database?: string;
  schema?: string;
  name: string;
}

export interface TypeRef {
  type: SqlType;
  /** the type name as written, upper-case (e.g. "SYSNAME", "NVARCHAR") */
  written: string;
  length?: number; // -1 = MAX
  precision?: number;
  scale?: number;
}

export type Expr =
  | {
      kind: 'literal';
      value: SqlValue;
      /** N'..' or '..' */ unicode?: boolean;
      /** the literal's SQL type as SQL Server types it (1 -> int, 1.5 -> decimal, 1e0 -> float, 0x.. -> varbinary); set by the parser */
      sqlType?: SqlType;
    }
  | { kind: 'variable'; name: string } // @x (with the @), also @@VERSION style globals as kind 'global'
  | { kind: 'global'; name: string } // @@VERSION -> name "VERSION"
  | { kind: 'column'; table?: string; name: string } // t.col or col
  | { kind: 'star'; table?: string } // * or t.*
  | {
      kind: 'call';
      name: string;
      args: Expr[];
      distinct?: boolean;
      /** STRING_AGG(x, ',') WITHIN GROUP (ORDER BY ...) */
      withinGroup?: OrderItem[];
    } // name upper-case; COUNT(*) has args [{kind:'star'}]
  | { kind: 'unary'; op: '-' | '+' | 'NOT' | '~'; operand: Expr }
  | {
      kind: 'binary';
      op: '+' | '-' | '*' | '/' | '%' | '=' | '<>' | '!=' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR' | '&' | '|' | '^';
      left: Expr;
      right: Expr;
    }
  | { kind: 'like'; operand: Expr; pattern: Expr; not: boolean; escape?: Expr }
  | { kind: 'in'; operand: Expr; list: Expr[] | SelectStatement; not: boolean }
  | { kind: 'between'; operand: Expr; low: Expr; high: Expr; not: boolean }
  | { kind: 'isNull'; operand: Expr; not: boolean }
  | { kind: 'exists'; query: SelectStatement }
  | { kind: 'subquery'; query: SelectStatement } // scalar subquery
  | { kind: 'cast'; operand: Expr; to: TypeRef; style?: Expr; /** CONVERT vs CAST, for messages */ syntax: 'CAST' | 'CONVERT' | 'TRY_CAST' | 'TRY_CONVERT' }
  | { kind: 'case'; operand?: Expr; whens: { when: Expr; then: Expr }[]; else?: Expr };

export interface SelectItem {
  expr: Expr;
  alias?: string;
  /** SELECT @v = expr: assigns instead of returning a column */
  assignTo?: string;
}

export type TableSource =
  | { kind: 'table'; name: ObjectName; alias?: string; hints?: string[] }
  | { kind: 'derived'; query: SelectStatement; alias: string; /** AS d (a, b): names for the query's columns */ columns?: string[] }
  | { kind: 'function'; name: ObjectName; args: Expr[]; alias?: string } // e.g. sys.fn_... (table-valued)
  /** (VALUES (1, 'a'), (2, 'b')) AS v (id, name) */
  | { kind: 'values'; rows: Expr[][]; alias: string; columns?: string[] }
  | {
      kind: 'join';
      type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS' | 'CROSS APPLY' | 'OUTER APPLY';
      left: TableSource;
      right: TableSource;
      on?: Expr;
    };

export interface OrderItem {
  expr: Expr;
  descending: boolean;
}

export interface SelectStatement {
  kind: 'select';
  distinct: boolean;
  top?: { count: Expr; percent: boolean };
  items: SelectItem[];
  from?: TableSource;
  where?: Expr;
  groupBy?: Expr[];
  having?: Expr;
  orderBy?: OrderItem[];
  /** UNION [ALL] / EXCEPT / INTERSECT chains (op absent = UNION); INTERSECT binds before the others */
  union?: { all: boolean; query: SelectStatement; op?: 'UNION' | 'EXCEPT' | 'INTERSECT' };
  /** OPTION (RECOMPILE, MAXDOP 1 ...): query hints, parsed and ignored */
  options?: string[];
  /** ORDER BY ... OFFSET n ROWS [FETCH NEXT m ROWS ONLY] */
  offset?: { skip: Expr; fetch?: Expr };
  /** WITH name [(columns)] AS (query), ...: common table expressions of this statement */
  with?: CommonTableExpression[];
}

export interface CommonTableExpression {
  name: string;
  columns?: string[];
  query: SelectStatement;
}

/** WITH options of BACKUP / RESTORE, generic: NAME = value, or a bare flag. */
export interface BackupOption {
  /** upper-case: COPY_ONLY, COMPRESSION, CHECKSUM, STATS, FORMAT, INIT, REPLACE, NORECOVERY, RECOVERY, FILE, MOVE, BLOCKSIZE, MAXTRANSFERSIZE, DESCRIPTION, NAME, ... */
  name: string;
  value?: Expr;
  /** MOVE 'logical' TO 'physical' */
  move?: { logicalName: Expr; physicalName: Expr };
}

/** A backup device: URL = 'https://...' (or DISK = / TAPE =, which the emulator refuses with a clear error). */
export interface BackupDevice {
  kind: 'URL' | 'DISK' | 'TAPE';
  location: Expr;
}

export type Statement =
  | SelectStatement
  | { kind: 'declare'; variables: { name: string; type: TypeRef; initial?: Expr }[] }
  | { kind: 'setVariable'; name: string; op: '=' | '+=' | '-='; value: Expr }
  /** SET NOCOUNT ON, SET XACT_ABORT ON, SET ANSI_NULLS ON, SET TRANSACTION ISOLATION LEVEL ..., SET LANGUAGE ...; recorded, mostly no effect */
  | { kind: 'setOption'; option: string; value: string }
  | { kind: 'use'; database: string }
  | { kind: 'print'; value: Expr }
  | { kind: 'raiserror'; message: Expr; severity: Expr; state: Expr; args: Expr[]; withOptions: string[] }
  | { kind: 'throw'; number?: Expr; message?: Expr; state?: Expr }
  | { kind: 'if'; condition: Expr; then: Statement; else?: Statement }
  | { kind: 'block'; statements: Statement[] } // BEGIN ... END
  | { kind: 'waitfor'; delay?: Expr; time?: Expr }
  | { kind: 'transaction'; action: 'begin' | 'commit' | 'rollback' | 'save'; name?: string }
  | { kind: 'exec'; procedure: ObjectName; /** EXEC @rc = proc */ returnVariable?: string; args: { name?: string; value: Expr; output: boolean }[] }
  /** EXEC ('dynamic sql') / EXEC (@sql) */
  | { kind: 'execDynamic'; sql: Expr }
  | {
      kind: 'backup';
      target: 'DATABASE' | 'LOG';
      database: Expr; // identifier as literal string, or @variable
      devices: BackupDevice[];
      options: BackupOption[];
    }
  | {
      kind: 'restore';
      /** DATABASE/LOG restore, or one of the inspection commands */
      action: 'DATABASE' | 'LOG' | 'HEADERONLY' | 'FILELISTONLY' | 'LABELONLY' | 'VERIFYONLY';
      database?: Expr;
      devices: BackupDevice[];
      options: BackupOption[];
    }
  | { kind: 'createCredential'; name: string; identity: Expr; secret?: Expr }
  | { kind: 'alterCredential'; name: string; identity: Expr; secret?: Expr }
  | { kind: 'dropCredential'; name: string }
  /** CREATE USER u [{FOR | FROM} LOGIN l | WITHOUT LOGIN] [WITH DEFAULT_SCHEMA = s]: no login clause means the login of the user's name */
  | { kind: 'createUser'; name: string; login?: string; withoutLogin?: boolean; defaultSchema?: string }
  /** ALTER USER u WITH NAME = n, LOGIN = l, DEFAULT_SCHEMA = s | NULL (any of them, once each) */
  | { kind: 'alterUser'; name: string; newName?: string; login?: string; defaultSchema?: string | null }
  | { kind: 'dropUser'; name: string; ifExists: boolean }
  /** CREATE LOGIN l WITH PASSWORD = 'p' [MUST_CHANGE] [, SID = 0x…, DEFAULT_DATABASE = d, CHECK_POLICY = ON|OFF, CHECK_EXPIRATION = ON|OFF, DEFAULT_LANGUAGE = x] */
  | { kind: 'createLogin'; name: string; password: Expr; sid?: Expr; defaultDatabase?: string; checkPolicy?: boolean; checkExpiration?: boolean }
  | { kind: 'dropLogin'; name: string }
  | { kind: 'createDatabase'; name: string; options: string[] }
  | { kind: 'dropDatabase'; names: string[]; ifExists: boolean }
  | { kind: 'alterDatabaseRename'; name: string; newName: string }
  /** ALTER DATABASE x SET SINGLE_USER WITH ROLLBACK IMMEDIATE / MULTI_USER / OFFLINE / ONLINE / RECOVERY FULL ... */
  | { kind: 'alterDatabaseSet'; name: string; options: string[]; termination?: string }
  | { kind: 'dbcc'; command: string; args: Expr[]; withOptions: string[] }
  | { kind: 'kill'; spid: Expr }
  /** ALTER AVAILABILITY GROUP / CREATE AVAILABILITY GROUP (the link issue); the raw text is kept so the engine can refuse it with a clear message until then */
  | { kind: 'availabilityGroup'; action: 'CREATE' | 'ALTER' | 'DROP'; name: string; text: string; clauses: string[] }
  /** A statement the parser recognised but the emulator does not implement: refused with error 40517-style text naming it */
  | { kind: 'unsupported'; keyword: string; text: string }
  /** DECLARE @t TABLE (...): one per table variable, in declaration order among the scalar ones */
  | { kind: 'declareTable'; name: string; columns: TableColumnDef[]; /** PRIMARY KEY, UNIQUE and UNIQUE INDEX: enforced on INSERT */ keys?: TableKeyDef[] }
  /** INSERT [INTO] @t [(columns)] VALUES / SELECT / EXEC: into a table variable */
  | { kind: 'insert'; target: string; columns?: string[]; source: InsertSource }
  /** INSERT [TOP (n) [PERCENT]] [INTO] [db.][schema.]table [(columns)] VALUES / SELECT / EXEC / DEFAULT VALUES: into a user table */
  | { kind: 'insertTable'; table: ObjectName; top?: DmlTop; columns?: string[]; source: InsertSource; hints?: string[] }
  /** UPDATE [TOP (n) [PERCENT]] target [WITH (hints)] SET col = expr, ... [WHERE predicate] [OPTION (...)] */
  | { kind: 'update'; table: ObjectName; top?: DmlTop; assignments: UpdateAssignment[]; where?: Expr; hints?: string[]; options?: string[] }
  /** DELETE [TOP (n) [PERCENT]] [FROM] target [WITH (hints)] [WHERE predicate] [OPTION (...)] */
  | { kind: 'delete'; table: ObjectName; top?: DmlTop; where?: Expr; hints?: string[]; options?: string[] }
  /** TRUNCATE TABLE [db.][schema.]table */
  | { kind: 'truncate'; table: ObjectName };

/** TOP (n) [PERCENT] of INSERT / UPDATE / DELETE (the parentheses are required there) */
export interface DmlTop {
  count: Expr;
  percent: boolean;
}

/** one `column = value` of an UPDATE's SET list */
export interface UpdateAssignment {
  /** the column, unquoted */
  column: string;
  /** `t.col`: the part before the column name, which must name the target */
  qualifier?: string;
  /** `=`, or a compound assignment (`col += 1` is `col = col + 1`) */
  op: '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=';
  /** absent for `col = DEFAULT` */
  value?: Expr;
}

/** A column of a table variable. */
export interface TableColumnDef {
  name: string;
  type: TypeRef;
  /** NULL unless declared NOT NULL (or PRIMARY KEY) */
  nullable: boolean;
  /** DEFAULT expr: the value when the INSERT column list leaves the column out */
  default?: Expr;
  /** IDENTITY [(seed, increment)] */
  identity?: { seed: number; increment: number };
}

/** A uniqueness rule of a table variable: PRIMARY KEY / UNIQUE constraint, or INDEX name UNIQUE. */
export interface TableKeyDef {
  kind: 'PRIMARY KEY' | 'UNIQUE' | 'UNIQUE INDEX';
  /** the index name (INDEX ix UNIQUE ...); constraints of table variables have generated names */
  name?: string;
  columns: string[];
}

/**
 * Where INSERT's rows come from. A table variable in FROM is a plain table source whose name is
 * the variable with its @: { kind: 'table', name: { name: '@t' } }.
 */
export type InsertSource =
  /** `defaults`: where a row says DEFAULT (rows hold an untyped NULL there), by row then value */
  | { kind: 'values'; rows: Expr[][]; defaults?: boolean[][] }
  | { kind: 'select'; query: SelectStatement }
  /** EXEC proc ... / EXEC ('...'): its result sets become the rows */
  | { kind: 'exec'; statement: Extract<Statement, { kind: 'exec' | 'execDynamic' }> };

export interface ParsedBatch {
  statements: Statement[];
  /** only when the text held GO separator lines: each batch's statements in order (statements is their concatenation) */
  goBatches?: Statement[][];
}
