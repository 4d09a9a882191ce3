import type { Expr } from '../../../../emulator/sql/ast';
import {
  declareVariable,
  evaluateCondition,
  evaluatePredicate,
  evaluateScalar,
  isTrue,
  evaluateText,
  evaluateTyped,
  setVariable,
} from '../../../../emulator/sql/evaluate';
import { parseBatch } from '../../../../emulator/sql/parser';
import { SqlError } from '../../../../emulator/sqlError';
import type { SqlValue } from '../../../../emulator/tds/types';
import { declare, fakeContext, INT_REF, type FakeContext } from './fakeContext';

function expr(sql: string): Expr {
  const s = parseBatch(`SELECT ${sql}`).statements[0];
  if (s.kind !== 'select') throw new Error('not a select');
  return s.items[0].expr;
}

const value = (sql: string, ctx: FakeContext = fakeContext()): SqlValue => evaluateScalar(expr(sql), ctx);

function condition(sql: string, ctx: FakeContext = fakeContext()): boolean {
  const s = parseBatch(`IF ${sql} PRINT 1`).statements[0];
  if (s.kind !== 'if') throw new Error('not an if');
  return evaluateCondition(s.condition, ctx);
}

/** 'T', 'F' or 'U' (unknown), through CASE so NOT(unknown) stays unknown */
const truth = (predicate: string): SqlValue => value(`CASE WHEN ${predicate} THEN 'T' WHEN NOT (${predicate}) THEN 'F' ELSE 'U' END`);

function failure(sql: string, ctx: FakeContext = fakeContext()): { number: number; state: number; severity: number; message: string } {
  try {
    value(sql, ctx);
  } catch (e) {
    if (e instanceof SqlError) return { number: e.number, state: e.state, severity: e.severity, message: e.message };
    throw e;
  }
  throw new Error(`expected an error from: ${sql}`);
}

describe('arithmetic with SQL Server typing', () => {
  it.each([
    ['7 / 2', 3],
    ['-7 / 2', -3],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['7 / 2.0', '3.500000'],
    ['1.50 + 2.5', '4.00'],
    ['1.5 * 1.5', '2.25'],
    ['10 / 3.0', '3.333333'],
    ['0.1 + 0.2', '0.3'],
    ['7 / 2e0', 3.5],
    ["'1' + 2", 3],
    ["'a' + 'b'", 'ab'],
    ["N'a' + 'b'", 'ab'],
    ["'x' + NULL", null],
    ['1 + NULL', null],
    ['2 * 3 + 4', 10],
    ['2 * (3 + 4)', 14],
    ['-(-5)', 5],
    ['6 & 3', 2],
    ['6 | 3', 7],
    ['6 ^ 3', 5],
    ['~0', -1],
    ['CAST(9223372036854775807 AS bigint)', BigInt('9223372036854775807')],
    ['CAST(2147483647 AS bigint) + 1', 2147483648],
    ['2147483648', '2147483648'],
  ])('%s = %p', (sql, expected) => {
    expect(value(sql)).toEqual(expected);
  });

  it('types results by precedence and decimal precision rules', () => {
    const ctx = fakeContext();
    const typeOf = (sql: string) => evaluateTyped(expr(sql), ctx).type;
    expect(typeOf('1 + 1')).toEqual({ type: 'int' });
    expect(typeOf('CAST(1 AS bigint) * 2')).toEqual({ type: 'bigint' });
    expect(typeOf('1.50 + 2.5')).toEqual({ type: 'decimal', precision: 4, scale: 2 });
    expect(typeOf('7 / 2.0')).toEqual({ type: 'decimal', precision: 17, scale: 6 });
    expect(typeOf("'ab' + N'c'")).toEqual({ type: 'nvarchar', length: 3 });
    expect(typeOf('1 + 1e0')).toEqual({ type: 'float' });
  });

  it('adds days to datetime and refuses + on datetime2', () => {
    expect(value("CAST('2024-01-31' AS datetime) + 1")).toEqual(new Date('2024-02-01T00:00:00Z'));
    expect(failure('SYSUTCDATETIME() + 1')).toMatchObject({ number: 8117, message: 'Operand data type datetime2 is invalid for add operator.' });
  });

  it.each([
    ['1 / 0', 8134, 1, 16, 'Divide by zero error encountered.'],
    ['1.0 / 0', 8134, 1, 16, 'Divide by zero error encountered.'],
    ['1e0 / 0', 8134, 1, 16, 'Divide by zero error encountered.'],
    ['5 % 0', 8134, 1, 16, 'Divide by zero error encountered.'],
    ['2147483647 + 1', 8115, 2, 16, 'Arithmetic overflow error converting expression to data type int.'],
    ["'abc' + 1", 245, 1, 16, "Conversion failed when converting the varchar value 'abc' to data type int."],
    ["N'x1' * 2", 245, 1, 16, "Conversion failed when converting the nvarchar value 'x1' to data type int."],
    ["'a' * 'b'", 8117, 1, 16, 'Operand data type varchar is invalid for multiply operator.'],
  ])('%s raises %i', (sql, number, state, severity, message) => {
    expect(failure(sql)).toEqual({ number, state, severity, message });
  });
});

describe('three-valued logic', () => {
  it.each([
    ['1 = 1', 'T'],
    ['1 = 2', 'F'],
    ['NULL = NULL', 'U'],
    ['1 <> NULL', 'U'],
    ['1 = 1 AND NULL = 1', 'U'],
    ['1 = 2 AND NULL = 1', 'F'],
    ['1 = 1 OR NULL = 1', 'T'],
    ['1 = 2 OR NULL = 1', 'U'],
    ['NOT (NULL = 1)', 'U'],
    ['NULL IS NULL', 'T'],
    ['1 IS NOT NULL', 'T'],
    ['1 IN (2, NULL)', 'U'],
    ['1 IN (1, NULL)', 'T'],
    ['1 NOT IN (2, NULL)', 'U'],
    ['1 NOT IN (2, 3)', 'T'],
    ['NULL IN (1)', 'U'],
    ['2 BETWEEN 1 AND 3', 'T'],
    ['2 BETWEEN 3 AND NULL', 'F'],
    ['2 BETWEEN 1 AND NULL', 'U'],
    ['2 NOT BETWEEN 1 AND 3', 'F'],
    ["NULL LIKE 'a'", 'U'],
  ])('%s is %s', (predicate, expected) => {
    expect(truth(predicate)).toBe(expected);
  });

  it('makes IF treat unknown as false', () => {
    const unknown = parseBatch('IF NULL = 1 PRINT 1').statements[0];
    if (unknown.kind !== 'if') throw new Error('not an if');
    expect(evaluatePredicate(unknown.condition, fakeContext())).toBeNull();
    expect(isTrue(null)).toBe(false);
    expect(condition('NULL = NULL')).toBe(false);
    expect(condition('NOT (NULL = NULL)')).toBe(false);
    expect(condition('1 = 1')).toBe(true);
  });

  it('evaluates EXISTS and IN over subqueries in conditions', () => {
    expect(condition("EXISTS (SELECT 1 FROM sys.databases WHERE name = N'SalesDb')")).toBe(true);
    expect(condition("NOT EXISTS (SELECT 1 FROM sys.databases WHERE name = 'nope')")).toBe(true);
    expect(condition('5 IN (SELECT database_id FROM sys.databases)')).toBe(true);
    expect(condition('(SELECT COUNT(*) FROM sys.databases) > 5')).toBe(true);
  });
});

describe('comparison and LIKE under CI_AS', () => {
  it.each([
    ["'abc' = 'ABC'", 'T'],
    ["'abc' = 'abc   '", 'T'],
    ["'a' < 'B'", 'T'],
    ["'é' = 'e'", 'F'],
    ["'10' = 10", 'T'],
    ['1.0 = 1', 'T'],
    ["'2024-01-01' < CAST('2024-01-02' AS datetime2)", 'T'],
    ["'Master' LIKE 'm%'", 'T'],
    ["'master' LIKE 'M_ster'", 'T'],
    ["'master' LIKE '[a-m]aster'", 'T'],
    ["'master' LIKE '[^m]aster'", 'F'],
    ["'50%' LIKE '50!%' ESCAPE '!'", 'T'],
    ["'500' LIKE '50!%' ESCAPE '!'", 'F'],
    ["'a.b' LIKE 'a.b'", 'T'],
    ["'axb' LIKE 'a.b'", 'F'],
    ["'x' NOT LIKE 'y%'", 'T'],
    ["'a(b)' LIKE 'a(%'", 'T'],
    ["'abc  ' LIKE 'abc'", 'T'],
    ["N'abc  ' LIKE N'abc'", 'F'],
    ["'abc' LIKE 'abc '", 'F'],
  ])('%s is %s', (predicate, expected) => {
    expect(truth(predicate)).toBe(expected);
  });
});

describe('CASE, ISNULL, COALESCE, NULLIF, IIF', () => {
  it.each([
    ["CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END", 'two'],
    ["CASE 3 WHEN 1 THEN 'one' END", null],
    ["CASE WHEN 1 = 0 THEN 'a' WHEN NULL = NULL THEN 'b' ELSE 'c' END", 'c'],
    ['CASE WHEN 1 = 1 THEN 1 ELSE 2.5 END', '1.0'],
    ["ISNULL(NULL, 'x')", 'x'],
    ['ISNULL(5, 1 / 0)', 5],
    ['COALESCE(NULL, NULL, 3, 1 / 0)', 3],
    ['COALESCE(NULL, 2.50, 1)', '2.50'],
    ['NULLIF(1, 1)', null],
    ['NULLIF(1, 2)', 1],
    ["IIF(1 > 2, 'yes', 'no')", 'no'],
  ])('%s = %p', (sql, expected) => {
    expect(value(sql)).toEqual(expected);
  });

  it('converts CASE branches to the result type, failing as SQL Server does', () => {
    expect(failure("CASE WHEN 1 = 1 THEN 'a' ELSE 1 END")).toMatchObject({ number: 245 });
  });
});

describe('CAST, CONVERT, TRY_CAST, TRY_CONVERT', () => {
  it.each([
    ["CAST('42' AS int)", 42],
    ["CAST(' 42 ' AS int)", 42],
    ["CAST('' AS int)", 0],
    ['CAST(3.99 AS int)', 3],
    ['CAST(-3.99 AS int)', -3],
    ['CAST(2.5e0 AS int)', 2],
    ["CAST('12.345' AS decimal(5, 2))", '12.35'],
    ["CAST('-12.345' AS decimal(5, 2))", '-12.35'],
    ['CAST(1 AS decimal(5, 2))', '1.00'],
    ["CAST('1.5' AS float)", 1.5],
    ["CAST('true' AS bit)", true],
    ['CAST(0 AS bit)', false],
    ['CAST(42 AS varchar(10))', '42'],
    ['CAST(12345 AS varchar(3))', '*'],
    ["CAST('abcdef' AS varchar(3))", 'abc'],
    ['CAST(1.50 AS nvarchar(10))', '1.50'],
    ['CAST(1e0 AS varchar(20))', '1'],
    ['CAST(123456789e0 AS varchar(20))', '1.23457e+008'],
    ["CAST('2024-03-15 10:20:30.123' AS datetime2)", new Date('2024-03-15T10:20:30.123Z')],
    ["CAST('20240315' AS date)", new Date('2024-03-15T00:00:00Z')],
    ["CAST('2024-03-15 10:20:30.5' AS datetime2(0))", new Date('2024-03-15T10:20:31Z')],
    ["CAST('2024-03-15 10:20:30.123' AS datetime2(1))", new Date('2024-03-15T10:20:30.100Z')],
    ["CAST('2024-03-15T10:20:30.125' AS datetime)", new Date('2024-03-15T10:20:30.127Z')],
    ["CAST('2024-03-15T10:20:30+02:00' AS datetimeoffset)", new Date('2024-03-15T08:20:30Z')],
    ["CAST('6f9619ff-8b86-d011-b42d-00c04fc964ff' AS uniqueidentifier)", '6F9619FF-8B86-D011-B42D-00C04FC964FF'],
    ["CONVERT(varchar(30), CAST('2024-03-05T07:08:09.1' AS datetime), 120)", '2024-03-05 07:08:09'],
    ["CONVERT(varchar(30), CAST('2024-03-05T07:08:09.1' AS datetime), 121)", '2024-03-05 07:08:09.100'],
    ["CONVERT(varchar(30), CAST('2024-03-05T07:08:09' AS datetime), 126)", '2024-03-05T07:08:09'],
    ["CONVERT(varchar(40), CAST('2024-03-05T07:08:09.5' AS datetime2), 126)", '2024-03-05T07:08:09.5000000'],
    ["CONVERT(varchar(40), CAST('2024-03-05T07:08:09.5' AS datetime2(3)), 121)", '2024-03-05 07:08:09.500'],
    ["CONVERT(varchar(40), CAST('2024-03-05T07:08:09Z' AS datetimeoffset), 127)", '2024-03-05T07:08:09.0000000Z'],
    ["CONVERT(varchar(30), CAST('2024-03-05' AS date), 112)", '20240305'],
    ["CONVERT(varchar(30), CAST('2024-03-05' AS date), 101)", '03/05/2024'],
    ["CONVERT(varchar(30), CAST('2024-03-05 13:04' AS datetime))", 'Mar  5 2024  1:04PM'],
    ["CAST(CAST('2024-03-05 13:04:05' AS datetime2(0)) AS varchar(30))", '2024-03-05 13:04:05'],
    ["CONVERT(varchar(10), 0x4142, 1)", '0x4142'],
    ["CONVERT(varbinary(4), '0x00FF', 1)", Buffer.from([0, 255])],
    ["CAST('AB' AS varbinary(4))", Buffer.from('AB')],
    ["TRY_CAST('abc' AS int)", null],
    ["TRY_CONVERT(datetime2, 'not a date')", null],
    ["TRY_CAST('7' AS int)", 7],
    ['CAST(NULL AS int)', null],
    ['CAST(NULL AS datetime2)', null],
  ])('%s = %p', (sql, expected) => {
    expect(value(sql)).toEqual(expected);
  });

  it.each([
    ["CAST('abc' AS int)", 245, 1, 16, "Conversion failed when converting the varchar value 'abc' to data type int."],
    ["CAST(N'1.5' AS int)", 245, 1, 16, "Conversion failed when converting the nvarchar value '1.5' to data type int."],
    ["CAST('99999999999' AS int)", 248, 1, 16, "The conversion of the varchar value '99999999999' overflowed an int column."],
    ["CAST('x' AS decimal(5, 2))", 8114, 5, 16, 'Error converting data type varchar to numeric.'],
    ["CAST('x' AS float)", 8114, 5, 16, 'Error converting data type varchar to float.'],
    ["CAST('12345' AS decimal(5, 2))", 8115, 2, 16, 'Arithmetic overflow error converting varchar to data type numeric.'],
    ['CAST(3000000000 AS int)', 8115, 2, 16, 'Arithmetic overflow error converting numeric to data type int.'],
    ["CAST('yesterday' AS datetime2)", 241, 1, 16, 'Conversion failed when converting date and/or time from character string.'],
    ["CAST('2024-02-30' AS date)", 241, 1, 16, 'Conversion failed when converting date and/or time from character string.'],
    ["CAST('1700-01-01' AS datetime)", 242, 3, 16, 'The conversion of a varchar data type to a datetime data type resulted in an out-of-range value.'],
    ["CAST('nope' AS uniqueidentifier)", 8169, 2, 16, 'Conversion failed when converting from a character string to uniqueidentifier.'],
    ["CAST('maybe' AS bit)", 245, 1, 16, "Conversion failed when converting the varchar value 'maybe' to data type bit."],
    ['CAST(SYSUTCDATETIME() AS int)', 529, 2, 16, 'Explicit conversion from data type datetime2 to int is not allowed.'],
    ['TRY_CAST(SYSUTCDATETIME() AS int)', 529, 2, 16, 'Explicit conversion from data type datetime2 to int is not allowed.'],
    ['CAST(NEWID() AS int)', 529, 2, 16, 'Explicit conversion from data type uniqueidentifier to int is not allowed.'],
  ])('%s raises %i', (sql, number, state, severity, message) => {
    expect(failure(sql)).toEqual({ number, state, severity, message });
  });
});

describe('variables and globals', () => {
  it('reads variables case-insensitively and globals through the context', () => {
    const ctx = fakeContext();
    declare(ctx, '@Count', INT_REF, 41);
    expect(value('@count + 1', ctx)).toBe(42);
    expect(value('@@SPID', ctx)).toBe(55);
    expect(value('@@servername', ctx)).toBe('sql1');
  });

  it('declares and sets variables with conversion to the declared type', () => {
    const ctx = fakeContext();
    declareVariable(ctx, '@s', { type: 'varchar', written: 'VARCHAR', length: 3 }, expr('12345'));
    expect(ctx.variables.get('@s')?.value).toBe('*');
    declareVariable(ctx, '@n', INT_REF, expr("'7'"));
    setVariable(ctx, '@n', '+=', expr('3'));
    expect(ctx.variables.get('@n')?.value).toBe(10);
    declareVariable(ctx, '@t', { type: 'nvarchar', written: 'NVARCHAR', length: -1 });
    expect(ctx.variables.get('@t')?.value).toBeNull();
    setVariable(ctx, '@t', '=', expr("N'a' + N'b'"));
    expect(ctx.variables.get('@t')?.value).toBe('ab');
    expect(() => setVariable(ctx, '@n', '=', expr("'x'"))).toThrow("Conversion failed when converting the varchar value 'x' to data type int.");
    expect(() => declareVariable(ctx, '@N', INT_REF)).toThrow(SqlError);
    declareVariable(ctx, '@d', { type: 'datetime2', written: 'DATETIME2', scale: 7 }, expr('SYSUTCDATETIME()'));
    setVariable(ctx, '@d', '=', expr('NULL'));
    expect(ctx.variables.get('@d')?.value).toBeNull();
  });

  it('refuses columns outside a query with 207', () => {
    expect(failure('name')).toEqual({ number: 207, state: 1, severity: 16, message: "Invalid column name 'name'." });
  });
});

describe('evaluateText (PRINT, RAISERROR %s, option values)', () => {
  it.each([
    ["'a' + 'b'", 'ab'],
    ['1.50', '1.50'],
    ['42', '42'],
    ['2.5e0', '2.5'],
    ['GETUTCDATE()', 'Mar 15 2024 10:20AM'],
    ['SYSUTCDATETIME()', '2024-03-15 10:20:30.1250000'],
    ['CAST(1 AS bit)', '1'],
    ['NULL', null],
  ])('%s -> %p', (sql, expected) => {
    expect(evaluateText(expr(sql), fakeContext())).toBe(expected);
  });
});
