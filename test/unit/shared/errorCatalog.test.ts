// The error catalog is the one list of codes: the README shows exactly it, every code the app
// gives is in it, and each entry says what a DBA does.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { catalogEntry, ERROR_CATALOG, renderErrorTable } from '../../../shared/errorCatalog';
import { withErrorTable } from '../../../local/errorTable';
import { LINK_REASON_CODES } from '../../../shared/link/types';

const root = path.resolve(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
  });
}

test('the README shows the catalog as it is (npm run docs:errors rewrites it)', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  expect(withErrorTable(readme)).toBe(readme);
  expect(readme).toContain(renderErrorTable());
});

test('every code the app writes in its source is in the catalog', () => {
  const unknown = new Set<string>();
  for (const file of [...sources(path.join(root, 'shared')), ...sources(path.join(root, 'functions'))]) {
    const text = readFileSync(file, 'utf8');
    // codes appear as the first argument of AppError/fail/failWith, or as `code: '…'`
    // link health reasons (shared/link) are their own vocabulary, listed in the README's link health table
    const linkReasons = path.relative(root, file).startsWith(path.join('shared', 'link'));
    for (const m of text.matchAll(/(?:new AppError\(|\bfail\(|failWith\([^,]+,\s*|code: )'([A-Z][A-Z0-9_]+)'/g)) {
      if (linkReasons && (LINK_REASON_CODES as readonly string[]).includes(m[1])) continue;
      if (!catalogEntry(m[1])) unknown.add(`${m[1]} (${path.relative(root, file)})`);
    }
  }
  expect([...unknown]).toEqual([]);
});

test('SQL Server codes map to the SQL family; unknown codes to nothing', () => {
  expect(catalogEntry('SQL_18456')).toBe(ERROR_CATALOG.SQL);
  expect(catalogEntry('SQL_ELOGIN')).toBe(ERROR_CATALOG.SQL);
  expect(catalogEntry('TARGET_EXISTS')?.area).toBe('restore');
  expect(catalogEntry('NO_SUCH_CODE')).toBeUndefined();
});

test('every entry says what happened and what to do, in full sentences without a trailing period', () => {
  for (const [code, e] of Object.entries(ERROR_CATALOG)) {
    expect({ code, meaning: e.meaning.length > 20, action: e.action.length > 5 }).toEqual({ code, meaning: true, action: true });
    expect(e.meaning.endsWith('.')).toBe(false);
  }
});

test('every link health reason is explained in the README', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Link health'), readme.indexOf('## HTTP API'));
  for (const code of LINK_REASON_CODES) expect(section).toContain(`| \`${code}\` |`);
});
