import type { Expr, SelectStatement } from '../../../../emulator/sql/ast';
import { evaluateScalar, evaluateTyped, executeSelect } from '../../../../emulator/sql/evaluate';
import { parseBatch } from '../../../../emulator/sql/parser';
import { SqlError } from '../../../../emulator/sqlError';
import type { SqlValue } from '../../../../emulator/tds/types';
import { fakeContext, NOW, type FakeContext } from './fakeContext';

function expr(sql: string): Expr {
  const s = parseBatch(`SELECT ${sql}`).statements[0];
  if (s.kind !== 'select') throw new Error('not a select');
  return s.items[0].expr;
}

const value = (sql: string, ctx: FakeContext = fakeContext()): SqlValue => evaluateScalar(expr(sql), ctx);

function failure(sql: string, ctx: FakeContext = fakeContext()): { number: number; state: number; severity: number; message: string } {
  try {
    value(sql, ctx);
  } catch (e) {
    if (e instanceof SqlError) return { number: e.number, state: e.state, severity: e.severity, message: e.message };
    throw e;
  }
  throw new Error(`expected an error from: ${sql}`);
}

describe('server functions', () => {
  it('answers SERVERPROPERTY through the context, as nvarchar, NULL for unknown properties', () => {
    expect(value("SERVERPROPERTY('ProductVersion')")).toBe('16.0.4165.4');
    expect(value("SERVERPROPERTY('EngineEdition')")).toBe('3');
    expect(value("SERVERPROPERTY('NoSuchProperty')")).toBeNull();
  });

  it('answers DB_ID and DB_NAME for the current database and by name / id', () => {
    expect(value('DB_ID()')).toBe(1);
    expect(value("DB_ID(N'salesdb')")).toBe(5);
    expect(value("DB_ID('nope')")).toBeNull();
    expect(value('DB_NAME()')).toBe('master');
    expect(value('DB_NAME(6)')).toBe('HR');
    expect(value('DB_NAME(99)')).toBeNull();
    expect(value('DB_NAME(NULL)')).toBeNull();
  });

  it('reads the engine clock: datetime functions round to 1/300 s, datetime2 keeps it', () => {
    expect(value('SYSUTCDATETIME()')).toEqual(NOW);
    expect(value('SYSDATETIME()')).toEqual(NOW);
    expect(value('SYSDATETIMEOFFSET()')).toEqual(NOW);
    expect(value('GETUTCDATE()')).toEqual(new Date('2024-03-15T10:20:30.127Z'));
    expect(value('GETDATE()')).toEqual(new Date('2024-03-15T10:20:30.127Z'));
    expect(value('CURRENT_TIMESTAMP')).toEqual(new Date('2024-03-15T10:20:30.127Z'));
    const ctx = fakeContext();
    expect(evaluateTyped(expr('GETUTCDATE()'), ctx).type).toEqual({ type: 'datetime' });
    expect(evaluateTyped(expr('SYSUTCDATETIME()'), ctx).type).toEqual({ type: 'datetime2', scale: 7 });
  });

  it('asks the engine for functions it implements (SUSER_SNAME, HAS_DBACCESS)', () => {
    const ctx = fakeContext();
    expect(value('SUSER_SNAME()', ctx)).toBe('sa');
    expect(value('SYSTEM_USER', ctx)).toBe('sa');
    expect(value('CURRENT_USER', ctx)).toBe('dbo');
    expect(value("HAS_DBACCESS('SalesDb')", ctx)).toBe(1);
    expect(ctx.calls).toEqual([
      { name: 'SUSER_SNAME', args: [] },
      { name: 'SUSER_SNAME', args: [] },
      { name: 'USER_NAME', args: [] },
      { name: 'HAS_DBACCESS', args: ['SalesDb'] },
    ]);
  });

  it('refuses functions neither the evaluator nor the engine knows with 195', () => {
    expect(failure('NO_SUCH_FN(1)')).toEqual({ number: 195, state: 10, severity: 15, message: "'NO_SUCH_FN' is not a recognized built-in function name." });
  });

  it('checks argument counts with 174 / 189', () => {
    expect(failure("LEN('a', 'b')")).toEqual({ number: 174, state: 1, severity: 15, message: 'The len function requires 1 argument(s).' });
    expect(failure('ROUND(1)')).toEqual({ number: 189, state: 1, severity: 15, message: 'The round function requires 2 to 3 arguments.' });
    expect(failure('ISNULL(1)')).toMatchObject({ number: 174, message: 'The isnull function requires 2 argument(s).' });
  });

  it('makes NEWID unique upper-case GUIDs', () => {
    const a = value('NEWID()');
    expect(a).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(value('NEWID()')).not.toBe(a);
  });
});

describe('date functions', () => {
  it.each([
    ["DATEDIFF(day, '2024-01-01', '2024-03-01')", 60],
    ["DATEDIFF(year, '2023-12-31', '2024-01-01')", 1],
    ["DATEDIFF(month, '2024-01-31', '2024-02-01')", 1],
    ["DATEDIFF(hour, '2024-01-01 10:59', '2024-01-01 11:00')", 1],
    ["DATEDIFF(minute, '2024-01-01 10:00:59', '2024-01-01 10:01:00')", 1],
    ["DATEDIFF(second, '2024-01-01 10:00:00', '2024-01-01 09:59:00')", -60],
    ["DATEDIFF(ss, '2024-01-01', '2024-01-02')", 86400],
    ["DATEDIFF(week, '2024-03-09', '2024-03-10')", 1],
    ["DATEDIFF(quarter, '2024-03-31', '2024-04-01')", 1],
    ["DATEDIFF(millisecond, '2024-01-01 00:00:00.000', '2024-01-01 00:00:01.500')", 1500],
    ["DATEADD(month, 1, '2024-01-31')", new Date('2024-02-29T00:00:00Z')],
    ["DATEADD(day, -1, CAST('2024-03-01' AS date))", new Date('2024-02-29T00:00:00Z')],
    ["DATEADD(hh, 25, CAST('2024-03-01' AS datetime2))", new Date('2024-03-02T01:00:00Z')],
    ["DATEADD(year, 1, CAST('2024-02-29' AS datetime2))", new Date('2025-02-28T00:00:00Z')],
    ["DATEADD(minute, 90, SYSUTCDATETIME())", new Date('2024-03-15T11:50:30.125Z')],
    ["DATEPART(year, '2024-03-15')", 2024],
    ["DATEPART(month, '2024-03-15')", 3],
    ["DATEPART(dw, '2024-03-15')", 6],
    ["DATEPART(dayofyear, '2024-03-15')", 75],
    ["DATEPART(quarter, '2024-03-15')", 1],
    ["DATEPART(hour, '2024-03-15 17:45')", 17],
    ["DATEPART(iso_week, '2024-12-30')", 1],
    ["DATENAME(month, '2024-03-15')", 'March'],
    ["YEAR('2024-03-15')", 2024],
    ["EOMONTH('2024-02-10')", new Date('2024-02-29T00:00:00Z')],
    ['DATEADD(day, 1, NULL)', null],
  ])('%s = %p', (sql, expected) => {
    expect(value(sql)).toEqual(expected);
  });

  it('types DATEADD by its date argument', () => {
    const ctx = fakeContext();
    expect(evaluateTyped(expr("DATEADD(day, 1, '2024-01-01')"), ctx).type).toEqual({ type: 'datetime' });
    expect(evaluateTyped(expr('DATEADD(day, 1, SYSUTCDATETIME())'), ctx).type).toEqual({ type: 'datetime2', scale: 7 });
  });

  it('refuses unknown date parts with 155', () => {
    expect(failure("DATEADD(fortnight, 1, '2024-01-01')")).toEqual({ number: 155, state: 1, severity: 15, message: "'fortnight' is not a recognized dateadd option." });
  });
});

describe('string functions', () => {
  it.each([
    ["LEN('abc  ')", 3],
    ["LEN(N'')", 0],
    ['LEN(12345)', 5],
    ['LEN(NULL)', null],
    ["DATALENGTH('abc  ')", 5],
    ["DATALENGTH(N'abc')", 6],
    ['DATALENGTH(1)', 4],
    ["UPPER('aBc')", 'ABC'],
    ["LOWER(N'ÀBC')", 'àbc'],
    ["LTRIM('  a ')", 'a '],
    ["RTRIM('  a ')", '  a'],
    ["TRIM('  a  ')", 'a'],
    ["SUBSTRING('abcdef', 2, 3)", 'bcd'],
    ["SUBSTRING('abcdef', 0, 3)", 'ab'],
    ["SUBSTRING('abcdef', 5, 10)", 'ef'],
    ["SUBSTRING('abc', 10, 1)", ''],
    ["LEFT('abcdef', 2)", 'ab'],
    ["RIGHT('abcdef', 2)", 'ef'],
    ["RIGHT('abc', 10)", 'abc'],
    ["REPLACE('Hello hello', 'HELLO', 'bye')", 'bye bye'],
    ["REPLACE('a.b.c', '.', '$&')", 'a$&b$&c'],
    ["CHARINDEX('B', 'abcb')", 2],
    ["CHARINDEX('b', 'abcb', 3)", 4],
    ["CHARINDEX('z', 'abc')", 0],
    ["CONCAT('a', NULL, 1, N'b')", 'a1b'],
    ["'a' + CONCAT(NULL, NULL)", 'a'],
    ["QUOTENAME('db')", '[db]'],
    ["QUOTENAME('a]b')", '[a]]b]'],
    ["QUOTENAME(N'x'']; DROP DATABASE [y')", "[x']]; DROP DATABASE [y]"],
    ["QUOTENAME('it''s', '''')", "'it''s'"],
    ["QUOTENAME('a\"b', '\"')", '"a""b"'],
    ['QUOTENAME(REPLICATE(\'x\', 128))', `[${'x'.repeat(128)}]`],
    ["QUOTENAME(REPLICATE('x', 129))", null],
    ["QUOTENAME('a', 'x')", null],
    ["REPLICATE('ab', 3)", 'ababab'],
    ["REPLICATE('ab', -1)", null],
  ])('%s = %p', (sql, expected) => {
    expect(value(sql)).toEqual(expected);
  });

  it('types string function results', () => {
    const ctx = fakeContext();
    expect(evaluateTyped(expr("QUOTENAME('x')"), ctx).type).toEqual({ type: 'nvarchar', length: 258 });
    expect(evaluateTyped(expr("UPPER(N'abc')"), ctx).type).toEqual({ type: 'nvarchar', length: 3 });
    expect(evaluateTyped(expr("CONCAT('ab', N'c')"), ctx).type).toEqual({ type: 'nvarchar', length: 3 });
    expect(evaluateTyped(expr("LEN('x')"), ctx).type).toEqual({ type: 'int' });
  });

  it('refuses negative lengths with 536 / 537', () => {
    expect(failure("SUBSTRING('abc', 1, -1)")).toEqual({ number: 537, state: 3, severity: 16, message: 'Invalid length parameter passed to the LEFT or SUBSTRING function.' });
    expect(failure("LEFT('abc', -1)")).toMatchObject({ number: 536, message: 'Invalid length parameter passed to the left function.' });
  });
});

describe('math functions', () => {
  it.each([
    ['ABS(-5)', 5],
    ['ABS(-1.50)', '1.50'],
    ['ABS(-2.5e0)', 2.5],
    ['ROUND(2.567, 2)', '2.570'],
    ['ROUND(-2.565, 2)', '-2.570'],
    ['ROUND(2.567, 2, 1)', '2.560'],
    ['ROUND(15, -1)', 20],
    ['ROUND(1234.5, 0)', '1235.0'],
    ['ROUND(2.5e0, 0)', 3],
    ['FLOOR(2.7)', '2'],
    ['FLOOR(-2.1)', '-3'],
    ['CEILING(2.1)', '3'],
    ['CEILING(-2.7)', '-2'],
    ['FLOOR(7)', 7],
    ['CEILING(2.5e0)', 3],
    ['POWER(2, 10)', 1024],
    ['SQRT(16)', 4],
  ])('%s = %p', (sql, expected) => {
    expect(value(sql)).toEqual(expected);
  });

  it('types ROUND / FLOOR of decimals like SQL Server', () => {
    const ctx = fakeContext();
    expect(evaluateTyped(expr('FLOOR(2.75)'), ctx).type).toEqual({ type: 'decimal', precision: 3, scale: 0 });
    expect(evaluateTyped(expr('ROUND(9.99, 1)'), ctx).type).toEqual({ type: 'decimal', precision: 4, scale: 2 });
    expect(value('ROUND(9.99, 1)')).toBe('10.00');
  });

  it('overflows ABS of the smallest int with 8115', () => {
    expect(failure('ABS(-2147483647 - 1)')).toMatchObject({ number: 8115 });
  });
});

describe('aggregate function errors', () => {
  it('refuses SUM of strings with 8117', () => {
    expect(() => value("(SELECT SUM(name) FROM sys.databases)")).toThrow('Operand data type nvarchar is invalid for sum operator.');
  });
});

describe('STRING_AGG, CHOOSE, PATINDEX', () => {
  it('concatenates a group with STRING_AGG, in WITHIN GROUP order, skipping NULLs', () => {
    const r = executeSelect(
      parseBatch("SELECT recovery_model_desc, STRING_AGG(name, ', ') WITHIN GROUP (ORDER BY name DESC) FROM sys.databases GROUP BY recovery_model_desc ORDER BY 1").statements[0] as SelectStatement,
      fakeContext(),
    );
    expect(r.resultSet?.rows).toEqual([
      ['FULL', 'SalesDb, model'],
      ['SIMPLE', 'tempdb, msdb, master, HR'],
    ]);
    expect(r.resultSet?.columns[1]).toMatchObject({ type: 'nvarchar', length: 4000 });
    expect(value("(SELECT STRING_AGG(s, '|') FROM dbo.nums)")).toBe('one|two|three');
    expect(value("(SELECT STRING_AGG(s, '|') FROM dbo.nums WHERE 1 = 0)")).toBeNull();
  });

  it.each([
    ["CHOOSE(2, 'a', 'b', 'c')", 'b'],
    ["CHOOSE(4, 'a', 'b', 'c')", null],
    ["CHOOSE(NULL, 'a')", null],
    ["PATINDEX('%ter%', 'master')", 4],
    ["PATINDEX('%[0-9]%', 'ab12')", 3],
    ["PATINDEX('ma%', 'master')", 1],
    ["PATINDEX('%z%', 'master')", 0],
  ])('%s = %p', (sql, expected) => {
    expect(value(sql)).toEqual(expected);
  });
});

describe('STR and HASHBYTES', () => {
  it.each([
    ['STR(123.45, 8, 2)', '  123.45'],
    ['STR(123.45, 5, 2)', '123.5'],
    ['STR(123.45)', '       123'],
    ['STR(12345, 3)', '***'],
  ])('%s = %p', (sql, expected) => {
    expect(value(sql)).toBe(expected);
  });

  it('hashes varchar as single bytes and nvarchar as UTF-16LE', () => {
    expect(value("HASHBYTES('SHA2_256', 'abc')")).toEqual(Buffer.from('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'hex'));
    expect(value("HASHBYTES('MD5', N'a')")).toEqual(Buffer.from('4144e195f46de78a3623da7364d04f11', 'hex'));
    expect(value("HASHBYTES('NOPE', 'a')")).toBeNull();
  });
});
