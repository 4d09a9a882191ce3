// Production databases: declared per instance or per database, and always those in a link.
import { validateEstate } from '../../../shared/config/validate';
import { protectionOf, protectionVerdict } from '../../../shared/restore/protection';

const estate = validateEstate(
  {
    instances: [
      { name: 'sql-onprem', kind: 'sqlServer', endpoint: { host: 'h' }, auth: { type: 'entra' }, environment: 'production' },
      {
        name: 'mi-prod',
        kind: 'managedInstance',
        endpoint: { host: 'h' },
        armResourceId: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/mi-prod',
        auth: { type: 'entra' },
        environment: 'production',
        databases: [{ name: 'Sales_copy', environment: 'nonProduction' }],
      },
      { name: 'sql-dev', kind: 'sqlServer', endpoint: { host: 'h' }, auth: { type: 'entra' }, databases: [{ name: 'Payroll', environment: 'production' }] },
    ],
    links: [{ name: 'Link_Sales', sqlServer: { instance: 'sql-onprem', availabilityGroup: 'AG' }, managedInstance: { instance: 'mi-prod' }, distributedAvailabilityGroup: 'Link_Sales', databases: ['Sales'] }],
  },
  'test',
);

test('a database in a link is production on both sides, whatever is written', () => {
  expect(protectionOf(estate, 'sql-onprem', 'sales')).toEqual({ production: true, why: 'sales on sql-onprem is in the Managed Instance link Link_Sales (production whatever the estate says)' });
  expect(protectionOf(estate, 'mi-prod', 'Sales').production).toBe(true);
});

test('the database overrides its instance; the instance decides otherwise', () => {
  expect(protectionOf(estate, 'mi-prod', 'Sales_copy').production).toBe(false);
  expect(protectionOf(estate, 'mi-prod', 'Billing')).toEqual({ production: true, why: 'mi-prod is a production instance' });
  expect(protectionOf(estate, 'sql-dev', 'Payroll').production).toBe(true);
  expect(protectionOf(estate, 'sql-dev', 'Sales_dev').production).toBe(false);
});

test('replace or swap of production: refused without the rule allowing it, approval with it; fail is always allowed', () => {
  const p = protectionOf(estate, 'sql-onprem', 'Sales');
  const ask = { onExisting: 'replace' as const, allowProductionTarget: false, target: 'sql-onprem/Sales', what: 'the restore of Sales_full.bak' };
  expect(protectionVerdict(p, ask)).toEqual({
    allowed: false,
    message:
      'refused: the restore of Sales_full.bak would replace sql-onprem/Sales, and Sales on sql-onprem is in the Managed Instance link Link_Sales (production whatever the estate says); only a restore rule with allowProductionTarget: true may, and then after an approval. Nothing was started or changed',
  });
  expect(protectionVerdict(p, { ...ask, onExisting: 'swap', allowProductionTarget: true })).toEqual({
    allowed: true,
    approvalNeeded: 'the restore of Sales_full.bak will swap in a new copy of sql-onprem/Sales (Sales on sql-onprem is in the Managed Instance link Link_Sales (production whatever the estate says)). Approve?',
  });
  expect(protectionVerdict(p, { ...ask, onExisting: 'fail' })).toEqual({ allowed: true });
  expect(protectionVerdict(protectionOf(estate, 'sql-dev', 'Sales_dev'), ask)).toEqual({ allowed: true });
});
