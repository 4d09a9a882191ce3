import { compilePathPattern, isPatternProblem } from '../../../shared/config/pathPattern';

function match(pattern: string, path: string): Record<string, string> | undefined {
  const compiled = compilePathPattern(pattern);
  if (isPatternProblem(compiled)) throw new Error(compiled.message);
  return compiled.regex.exec(path)?.groups ? { ...compiled.regex.exec(path)?.groups } : undefined;
}

test('named captures match one folder level each', () => {
  expect(match('{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak', 'sql-onprem/Sales/FULL/Sales_20261122_0200_2of4.bak')).toEqual({
    server: 'sql-onprem',
    database: 'Sales',
    type: 'FULL',
    timestamp: '20261122_0200',
    stripe: '2',
    stripes: '4',
  });
  // the same capture twice must be the same text
  expect(match('{server}/{database}/{type}/{database}_{timestamp}_{stripe}of{stripes}.bak', 'sql-onprem/Sales/FULL/Other_20261122_1of1.bak')).toBeUndefined();
  expect(match('{database}/*.bak', 'Sales/x/y.bak')).toBeUndefined();
  expect(match('{database}/*.bak', 'Sales/anything.bak')).toEqual({ database: 'Sales' });
});

test('regex metacharacters in the pattern are literal', () => {
  expect(match('backups (old)/{database}.bak', 'backups (old)/Sales.bak')).toEqual({ database: 'Sales' });
  expect(match('a.b/{database}.bak', 'aXb/Sales.bak')).toBeUndefined();
});

test('bad patterns say what is wrong', () => {
  expect(compilePathPattern('{database')).toEqual({ message: 'unclosed "{" in pattern "{database"' });
  expect(compilePathPattern('x}/{database}')).toEqual({ message: 'unmatched "}" in pattern "x}/{database}"' });
});
