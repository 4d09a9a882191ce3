// Starts an emulated estate on loopback for the engine's integration tests, and opens mssql pools
// the way the app does (encrypt + trustServerCertificate).
import { defaultServices } from '../../../../emulator/engine/defaultServices';
import type { Estate } from '../../../../emulator/engine/estate';
import { startEstate, type RunningEstate } from '../../../../emulator/engine/estateServer';

export const PASSWORD = 'Local-Only-Test-Password-1';

export function integrationEstate(): Estate {
  return {
    clockSpeed: 50,
    instances: [
      {
        name: 'sql-onprem',
        kind: 'sqlServer',
        majorVersion: 16,
        logins: [{ name: 'sa', password: PASSWORD }],
        databases: [
          {
            name: 'Sales',
            recoveryModel: 'FULL',
            workloadTps: 20,
            tables: [
              { name: 'Orders', rows: 1500 },
              { name: 'Customers', rows: 200, encryptedColumns: ['TaxId'] },
            ],
          },
          { name: 'Archive', recoveryModel: 'SIMPLE' },
          // big enough that a restore takes a few (simulated) minutes: progress can be watched
          { name: 'Big', recoveryModel: 'SIMPLE', sizeMB: 24000, tables: [{ name: 'Facts', rows: 5000000 }] },
        ],
      },
      {
        name: 'mi-prod',
        kind: 'managedInstance',
        updatePolicy: 'SQL Server 2022',
        logins: [{ name: 'miadmin', password: PASSWORD }],
        databases: [{ name: 'Billing', tables: [{ name: 'Invoices', rows: 10 }] }],
      },
    ],
  };
}

export function startTestEstate(): Promise<RunningEstate> {
  return startEstate(integrationEstate(), { services: defaultServices() });
}

export { openPool, poolConfig } from '../../../helpers/emulatorPool';
