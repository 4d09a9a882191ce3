// Serves a whole estate on loopback: one TdsServer per instance (TLS material generated once) and
// the admin API. What `npm run emulator` and the integration tests start.
import { AdminServer, type AdminInstance } from '../admin/server';
import { generateTlsMaterial, TdsServer } from '../tds';
import { ScaledClock, type EngineClock } from './clock';
import { InstanceEndpoint } from './endpoint';
import { buildInstances, type Estate } from './estate';
import type { EmulatedInstance } from './instance';
import { LinkRegistry } from '../link/registry';
import type { EngineServices } from './services';

export const LOOPBACK = '127.0.0.1';

export interface RunningInstance {
  instance: EmulatedInstance;
  endpoint: InstanceEndpoint;
  host: string;
  port: number;
  /** the first login of the estate entry */
  user: string;
  password: string;
  /** ADO.NET style, as mssql's ConnectionPool accepts it */
  connectionString: string;
}

export interface RunningEstate {
  instances: RunningInstance[];
  /** the estate's Managed Instance links; the ARM emulator and the DMVs read the same objects */
  links: LinkRegistry;
  adminUrl: string;
  clock: EngineClock;
  find(name: string): RunningInstance;
  stop(): Promise<void>;
}

export interface StartEstateOptions {
  services: EngineServices;
  /** admin API port; 0 (default) = any free port */
  adminPort?: number;
  /** overrides the estate's clockSpeed */
  clock?: EngineClock;
}

export async function startEstate(estate: Estate, options: StartEstateOptions): Promise<RunningEstate> {
  const clock = options.clock ?? new ScaledClock(estate.clockSpeed ?? 1);
  const instances = buildInstances(estate, clock);
  const links = new LinkRegistry(clock);
  for (const instance of instances) instance.links = links;
  const tls = generateTlsMaterial(instances.map((i) => i.serverName));
  const servers: TdsServer[] = [];
  const running: RunningInstance[] = [];
  const admin = new AdminServer(() => running.map<AdminInstance>((r) => ({ instance: r.instance, host: r.host, port: r.port })));
  const stop = async (): Promise<void> => {
    links.stop();
    for (const inst of instances) inst.stop();
    await Promise.all([...servers.map((s) => s.close()), admin.close()]);
  };
  try {
    for (const [i, instance] of instances.entries()) {
      const endpoint = new InstanceEndpoint(instance, options.services);
      const server = new TdsServer(endpoint, { tls });
      servers.push(server);
      const port = await server.listen(estate.instances[i].port ?? 0, LOOPBACK);
      instance.start();
      const login = instance.config.logins.find((l) => !l.entraObjectId) ?? instance.config.logins[0];
      running.push({
        instance,
        endpoint,
        host: LOOPBACK,
        port,
        user: login.name,
        password: login.password,
        connectionString: `Server=${LOOPBACK},${port};User Id=${login.name};Password=${login.password};Encrypt=true;TrustServerCertificate=true`,
      });
    }
    const byName = (name: string): EmulatedInstance => {
      const found = instances.find((i) => i.config.name.toLowerCase() === name.toLowerCase());
      if (!found) throw new Error(`no instance '${name}' in the estate`);
      return found;
    };
    for (const link of estate.links ?? []) {
      const mi = byName(link.managedInstance.instance);
      links.create({
        name: link.name,
        partner: { host: byName(link.sqlServer.instance), availabilityGroupName: link.sqlServer.availabilityGroup, endpointUrl: `TCP://${link.sqlServer.instance}:5022` },
        instance: { host: mi, availabilityGroupName: mi.config.name, endpointUrl: `TCP://${mi.config.name}.emulator.database.windows.net:5022` },
        databases: link.databases,
        failoverMode: 'Manual',
        network: {
          ...(link.bandwidthKBps !== undefined ? { bandwidthKBps: link.bandwidthKBps } : {}),
          ...(link.latencyMs !== undefined ? { latencyMs: link.latencyMs } : {}),
        },
      });
    }
    links.start();
    const adminPort = await admin.listen(options.adminPort ?? 0);
    return {
      instances: running,
      links,
      adminUrl: `http://${LOOPBACK}:${adminPort}`,
      clock,
      find(name: string): RunningInstance {
        const found = running.find((r) => r.instance.config.name.toLowerCase() === name.toLowerCase());
        if (!found) throw new Error(`no instance '${name}' in the estate`);
        return found;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
