// tinyint and smallint as types of their own (wire INTN 1/2, SQL Server's ranges and arithmetic),
// and equality joins answered through a hash of one side with the nested loop's results.
import type { SelectStatement } from '../../../../emulator/sql/ast';
import type { VirtualTable } from '../../../../emulator/sql/context';
import { executeSelect, type SelectResult } from '../../../../emulator/sql/evaluate';
import { parseBatch } from '../../../../emulator/sql/parser';
import { SqlError } from '../../../../emulator/sqlError';
import { ByteWriter } from '../../../../emulator/tds/byteWriter';
import { DEFAULT_COLLATION } from '../../../../emulator/tds/datatypes/collation';
import { encoderFor } from '../../../../emulator/tds/datatypes/registry';
import type { SqlValue } from '../../../../emulator/tds/types';
import { fakeContext, type FakeContext } from './fakeContext';

function run(sql: string, ctx: FakeContext = fakeContext()): SelectResult {
  const stmt = parseBatch(sql).statements[0];
  if (stmt.kind !== 'select') throw new Error('not a select');
  return executeSelect(stmt as SelectStatement, ctx);
}

const rows = (sql: string, ctx?: FakeContext): SqlValue[][] => run(sql, ctx).resultSet?.rows ?? [];

function errorOf(sql: string, ctx?: FakeContext): number {
  try {
    run(sql, ctx);
  } catch (e) {
    if (e instanceof SqlError) return e.number;
    throw e;
  }
  throw new Error(`no error from ${sql}`);
}

describe('tinyint and smallint', () => {
  it('travel as INTN of 1 and 2 bytes', () => {
    const bytes = (type: 'tinyint' | 'smallint', value: SqlValue): Buffer => {
      const w = new ByteWriter();
      encoderFor(type).writeTypeInfo(w, { name: 'x', type }, DEFAULT_COLLATION);
      encoderFor(type).writeValue(w, { name: 'x', type }, value);
      return w.toBuffer();
    };
    expect(bytes('tinyint', 200)).toEqual(Buffer.from([0x26, 1, 1, 200]));
    expect(bytes('smallint', -2)).toEqual(Buffer.from([0x26, 2, 2, 0xfe, 0xff]));
    expect(bytes('tinyint', null)).toEqual(Buffer.from([0x26, 1, 0]));
  });

  it('CAST to them keeps their type and range (244 / 8115 outside it)', () => {
    const r = run('SELECT CAST(200 AS tinyint) AS t, CAST(-300 AS smallint) AS s');
    expect(r.resultSet?.columns.map((c) => c.type)).toEqual(['tinyint', 'smallint']);
    expect(r.resultSet?.rows).toEqual([[200, -300]]);
    expect(errorOf('SELECT CAST(256 AS tinyint)')).toBe(8115);
    expect(errorOf("SELECT CAST('70000' AS smallint)")).toBe(244);
  });

  it('arithmetic stays in the higher type: tinyint + tinyint overflows past 255, tinyint + int is int', () => {
    expect(errorOf('SELECT CAST(200 AS tinyint) + CAST(100 AS tinyint)')).toBe(8115);
    const r = run('SELECT CAST(200 AS tinyint) + 100 AS a, CAST(2 AS smallint) * CAST(3 AS tinyint) AS b, SUM(CAST(200 AS tinyint)) AS c');
    expect(r.resultSet?.columns.map((c) => c.type)).toEqual(['int', 'smallint', 'int']);
    expect(r.resultSet?.rows).toEqual([[300, 6, 200]]);
  });
});

describe('equality joins', () => {
  const left: VirtualTable = {
    columns: [
      { name: 'id', type: 'int' },
      { name: 'g', type: 'uniqueidentifier', nullable: true },
      { name: 'label', type: 'nvarchar', length: 10 },
    ],
    rows: () => [
      [1, 'AAAAAAAA-0000-0000-0000-000000000001', 'a'],
      [2, 'AAAAAAAA-0000-0000-0000-000000000002', 'b'],
      [3, null, 'c'],
      [4, 'AAAAAAAA-0000-0000-0000-000000000002', 'd'],
    ],
  };
  const right: VirtualTable = {
    columns: [
      { name: 'rid', type: 'bigint' },
      { name: 'g', type: 'uniqueidentifier', nullable: true },
      { name: 'n', type: 'tinyint' },
    ],
    rows: () => [
      [10, 'aaaaaaaa-0000-0000-0000-000000000002', 5],
      [11, 'AAAAAAAA-0000-0000-0000-000000000002', 7],
      [12, null, 1],
      [1, 'AAAAAAAA-0000-0000-0000-000000000009', 2],
    ],
  };
  const ctx = (): FakeContext => {
    const c = fakeContext();
    const base = c.resolveTable.bind(c);
    c.resolveTable = (name) => (name.name === 'l' ? left : name.name === 'r' ? right : base(name));
    return c;
  };

  it('match on GUIDs whatever their case, never on NULL, with the residual condition applied, in nested-loop order', () => {
    expect(rows('SELECT l.label, r.rid FROM dbo.l JOIN dbo.r ON r.g = l.g AND r.n > 5', ctx())).toEqual([
      ['b', 11],
      ['d', 11],
    ]);
    expect(rows('SELECT l.label, r.rid FROM dbo.l LEFT JOIN dbo.r ON l.g = r.g ORDER BY l.label, r.rid', ctx())).toEqual([
      ['a', null],
      ['b', 10],
      ['b', 11],
      ['c', null],
      ['d', 10],
      ['d', 11],
    ]);
    expect(rows('SELECT r.rid FROM dbo.l RIGHT JOIN dbo.r ON l.g = r.g WHERE l.id IS NULL', ctx())).toEqual([[12], [1]]);
  });

  it('match integers across int and bigint', () => {
    expect(rows('SELECT l.label FROM dbo.l JOIN dbo.r ON l.id = r.rid', ctx())).toEqual([['a']]);
  });
});
