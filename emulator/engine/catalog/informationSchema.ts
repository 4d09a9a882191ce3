// INFORMATION_SCHEMA.TABLES of the scoped database.
import type { TableInfo } from '../model';
import { c, view } from './columns';
import type { CatalogScope } from './scope';

export function informationSchemaTables(scope: CatalogScope) {
  return view<TableInfo>(
    [
      c.nvarchar('TABLE_CATALOG', 128, () => scope.database.name),
      c.nvarchar('TABLE_SCHEMA', 128, (t) => t.schema),
      c.sysname('TABLE_NAME', (t) => t.name),
      c.nvarchar('TABLE_TYPE', 10, () => 'BASE TABLE'),
    ],
    () => scope.database.tables,
  );
}
