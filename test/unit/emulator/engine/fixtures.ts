// Building instances and sessions for the engine's unit tests, without TCP.
import { ScaledClock } from '../../../../emulator/engine/clock';
import { InstanceEndpoint } from '../../../../emulator/engine/endpoint';
import { buildInstances, type Estate } from '../../../../emulator/engine/estate';
import type { EmulatedInstance } from '../../../../emulator/engine/instance';
import type { EngineServices } from '../../../../emulator/engine/services';
import type { EngineSession, RequestOutput, SqlMessage } from '../../../../emulator/tds/types';
import { miniLanguage } from './miniLanguage';

export const PASSWORD = 'Local-Only-Sample-1';

export function testEstate(): Estate {
  return {
    instances: [
      {
        name: 'sql-onprem',
        kind: 'sqlServer',
        majorVersion: 16,
        logins: [
          { name: 'sa', password: PASSWORD },
          { name: 'reader', password: 'Reader-Pass-1', sysadmin: false },
        ],
        databases: [
          {
            name: 'Sales',
            recoveryModel: 'FULL',
            workloadTps: 100,
            tables: [
              { schema: 'dbo', name: 'Orders', rows: 1200 },
              { schema: 'dbo', name: 'Customers', rows: 300, encryptedColumns: ['TaxId'] },
              { schema: 'audit', name: 'Events', rows: 5, heap: true },
            ],
          },
          { name: 'Archive', recoveryModel: 'SIMPLE', tde: 'customerManaged' },
        ],
      },
      {
        name: 'mi-prod',
        kind: 'managedInstance',
        updatePolicy: 'SQL Server 2022',
        logins: [{ name: 'miadmin', password: PASSWORD }],
        databases: [{ name: 'Billing', tde: 'serviceManaged' }],
      },
    ],
  };
}

export interface Fixture {
  sql: EmulatedInstance;
  mi: EmulatedInstance;
  clock: ScaledClock;
  services: EngineServices;
  endpoint(inst: EmulatedInstance): InstanceEndpoint;
}

/** ENGINE_TEST_LANGUAGE=sql runs the engine's unit tests over the full emulator/sql evaluator */
function defaultTestServices(): EngineServices {
  if (process.env.ENGINE_TEST_LANGUAGE === 'sql') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { defaultServices } = require('../../../../emulator/engine/defaultServices') as typeof import('../../../../emulator/engine/defaultServices');
    return defaultServices();
  }
  return { language: miniLanguage };
}

export function fixture(services: EngineServices = defaultTestServices(), speed = 1000): Fixture {
  const clock = new ScaledClock(speed);
  const [sql, mi] = buildInstances(testEstate(), clock);
  return { sql, mi, clock, services, endpoint: (inst) => new InstanceEndpoint(inst, services) };
}

export async function connect(f: Fixture, inst: EmulatedInstance, database = 'master'): Promise<EngineSession> {
  const login = inst.config.logins[0];
  const result = await f.endpoint(inst).login({ userName: login.name, password: login.password, database, appName: 'jest', hostName: 'test-host', serverName: inst.serverName });
  if (!result.ok) throw new Error(`login failed: ${result.error.message}`);
  return result.session;
}

export async function run(session: EngineSession, sql: string, signal: AbortSignal = new AbortController().signal): Promise<RequestOutput[]> {
  const out: RequestOutput[] = [];
  for await (const o of session.execute({ kind: 'batch', sql }, signal)) out.push(o);
  return out;
}

export const messages = (out: RequestOutput[]): SqlMessage[] => out.flatMap((o) => (o.type === 'message' ? [o.message] : []));
export const errors = (out: RequestOutput[]): SqlMessage[] => messages(out).filter((m) => m.class > 10);
export const infos = (out: RequestOutput[]): SqlMessage[] => messages(out).filter((m) => m.class <= 10);
export const resultSets = (out: RequestOutput[]) => out.flatMap((o) => (o.type === 'resultSet' ? [o.resultSet] : []));

/** the rows of the first result set as objects keyed by column name */
export function firstRows(out: RequestOutput[]): Record<string, unknown>[] {
  const rs = resultSets(out)[0];
  if (!rs) throw new Error('no result set');
  return rs.rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c.name, r[i]])));
}
