import type { SelectStatement } from '../../../../emulator/sql/ast';
import { executeSelect } from '../../../../emulator/sql/evaluate';
import { parseBatch } from '../../../../emulator/sql/parser';
import { SqlError } from '../../../../emulator/sqlError';
import { fakeContext } from './fakeContext';

// Random token soup: whatever the input, the parser and evaluator answer with a SqlError or a
// result, never a JavaScript exception or a hang. A fixed seed keeps failures reproducible.
const VOCABULARY = [
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'ORDER', 'HAVING', 'UNION', 'ALL', 'JOIN', 'LEFT', 'ON', 'AS', 'AND', 'OR',
  'NOT', 'IN', 'LIKE', 'BETWEEN', 'IS', 'NULL', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'IF', 'BEGIN', 'EXISTS', 'TOP',
  'DISTINCT', 'CAST', 'CONVERT', 'int', 'varchar(10)', 'COUNT(*)', 'SUM', 'name', 'database_id', 'n', 'd', 's',
  'sys.databases', 'dbo.nums', 'x', '(', ')', ',', ';', '=', '<>', '+', '-', '*', '/', '%', '1', '2.5', '1e3', "'a'",
  "N'b'", '@v', '@@SPID', '[q]]x]', 'DECLARE', 'SET', 'EXEC', 'PRINT', 'BACKUP', 'RESTORE', 'DATABASE', 'TO', 'URL',
  'WITH', 'GO\n', '--c\n', '/* c */', 'OFFSET', 'ROWS', 'EXCEPT', 'INTERSECT', 'OVER', 'INTO',
];

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('parser and evaluator robustness', () => {
  it('answer random token sequences with SqlError or a result', () => {
    const random = prng(20240315);
    const unexpected: string[] = [];
    let parsed = 0;
    for (let i = 0; i < 5000; i++) {
      const length = 1 + Math.floor(random() * 8);
      const words = Array.from({ length }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]);
      // half of them start like a query, so the soup reaches deep into the grammar
      const sql = (random() < 0.5 ? 'SELECT ' : '') + words.join(' ');
      try {
        const batch = parseBatch(sql);
        parsed++;
        for (const s of batch.statements) if (s.kind === 'select') executeSelect(s as SelectStatement, fakeContext());
      } catch (e) {
        if (!(e instanceof SqlError)) unexpected.push(`${sql} -> ${String(e)}`);
      }
    }
    expect(unexpected).toEqual([]);
    expect(parsed).toBeGreaterThan(100);
  });

  it('parse every well-formed sample into statements that evaluate without JavaScript errors', () => {
    const samples = [
      'SELECT TOP 3 name, database_id FROM sys.databases ORDER BY database_id DESC',
      'SELECT d.name, COUNT(*) FROM sys.databases d LEFT JOIN sys.master_files f ON f.database_id = d.database_id GROUP BY d.name',
      "SELECT CASE WHEN n IS NULL THEN 'none' ELSE CAST(n AS varchar(10)) END FROM dbo.nums",
      'SELECT n FROM dbo.nums WHERE n BETWEEN 1 AND 2 UNION ALL SELECT database_id FROM sys.databases WHERE database_id IN (1, 2)',
    ];
    for (const sql of samples) {
      const stmt = parseBatch(sql).statements[0] as SelectStatement;
      expect(executeSelect(stmt, fakeContext()).rowCount).toBeGreaterThan(0);
    }
  });
});
