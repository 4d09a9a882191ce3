// sys.credentials: no secret column, as in SQL Server.
import type { Credential } from '../model';
import { c, view } from './columns';
import type { CatalogScope } from './scope';

export function sysCredentials(scope: CatalogScope) {
  return view<Credential>(
    [
      c.int('credential_id', (r) => r.credentialId),
      c.sysname('name', (r) => r.name),
      c.nvarchar('credential_identity', 4000, (r) => r.identity),
      c.datetime('create_date', (r) => r.createDate, false),
      c.datetime('modify_date', (r) => r.createDate, false),
      c.nvarchar('target_type', 100, () => null),
      c.int('target_id', () => null, true),
    ],
    () => scope.instance.credentials,
  );
}
