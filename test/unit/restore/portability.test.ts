import { portabilityProblem } from '../../../shared/restore/portability';

const check = (databaseFormat: string | undefined, serverKeyType: string, encrypted: boolean, targetMajor = 16) =>
  portabilityProblem({ sourceInstance: 'mi-prod', facts: { databaseFormat, serverKeyType }, encrypted, target: 'sql-dev', targetMajor });

test('SQL Server 2022 update policy with a customer-managed key (or no TDE) is portable to SQL Server 2022', () => {
  expect(check('SQLServer2022', 'AzureKeyVault', true)).toBeUndefined();
  expect(check('SQLServer2022', 'ServiceManaged', false)).toBeUndefined();
});

test('Always-up-to-date is never portable; SQL Server 2025 format needs a 2025 target', () => {
  expect(check('AlwaysUpToDate', 'AzureKeyVault', false)).toEqual({
    code: 'NOT_PORTABLE_UPDATE_POLICY',
    message: 'mi-prod uses the update policy AlwaysUpToDate; its backups restore only on managed instances, never on SQL Server (the policy must be SQL Server 2022 or 2025)',
  });
  expect(check('SQLServer2025', 'AzureKeyVault', false, 16)?.message).toMatch(/restore on SQL Server 2025 or newer, and sql-dev runs 16\.0/);
  expect(check('SQLServer2025', 'AzureKeyVault', false, 17)).toBeUndefined();
  expect(check(undefined, 'AzureKeyVault', false)?.code).toBe('NOT_PORTABLE_UPDATE_POLICY');
});

test('service-managed TDE on an encrypted backup is refused with the reason', () => {
  expect(check('SQLServer2022', 'ServiceManaged', true)?.code).toBe('TDE_SERVICE_MANAGED');
});
