// Sanitizing scripts split into batches the way SQL Server tools split them.
import { splitBatches } from '../../../shared/refresh/scripts';

test('GO on a line of its own separates batches; blank batches are dropped; case and comments after GO are fine', () => {
  expect(splitBatches("UPDATE dbo.Customers SET Email = 'x'\ngo\n\nGO -- next\nDELETE FROM dbo.Audit\r\nGO")).toEqual(["UPDATE dbo.Customers SET Email = 'x'", 'DELETE FROM dbo.Audit']);
  expect(splitBatches('SELECT 1')).toEqual(['SELECT 1']);
  expect(splitBatches('GO\n\nGO\n')).toEqual([]);
});

test('GO inside a statement or a string is not a separator; GO with a repeat count is refused', () => {
  expect(splitBatches("SELECT 'GO' AS go_column\nGO")).toEqual(["SELECT 'GO' AS go_column"]);
  expect(() => splitBatches('INSERT INTO t VALUES (1)\nGO 5')).toThrow(/GO 5/);
  expect(splitBatches('SELECT 1\nGO 1')).toEqual(['SELECT 1']);
});
