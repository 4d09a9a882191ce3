// Serves a whole estate on loopback: one TdsServer per instance (TLS material generated once) and
// the admin API. What `npm run emulator` and the integration tests start. With a state file the
// estate starts from what the last run left and keeps it there (see persistence.ts).
import { AdminServer, type AdminInstance } from '../admin/server';
import { generateTlsMaterial, TdsServer } from '../tds';
import { ScaledClock, type EngineClock } from './clock';
import { InstanceEndpoint } from './endpoint';
import { buildInstances, type Estate } from './estate';
import type { EmulatedInstance } from './instance';
import { ManagedInstanceLink } from '../link/link';
import { LinkRegistry } from '../link/registry';
import {
  captureInstance,
  estateFileNames,
  readStateFile,
  restoreInstance,
  setAside,
  STATE_FORMAT,
  STATE_VERSION,
  toJson,
  writeStateFile,
  type SavedEstate,
} from './persistence';
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

/** The estate's state file while it runs (startEstate's `stateFile`). */
export interface EstatePersistence {
  file: string;
  /** 'restored': started from the file; 'fresh': there was none; 'ignored': it could not be used (reported) */
  loaded: 'restored' | 'fresh' | 'ignored';
  /**
   * Another part of the emulator keeps its state in the same file under `name` (the ARM backend's
   * Log Replay jobs): `save` is called at every save; returns what the last run saved, if anything.
   */
  section(name: string, save: () => unknown): unknown;
  /** writes the file now if anything changed since the last write */
  saveNow(): void;
}

export interface RunningEstate {
  instances: RunningInstance[];
  /** the estate's Managed Instance links; the ARM emulator and the DMVs read the same objects */
  links: LinkRegistry;
  adminUrl: string;
  clock: EngineClock;
  /** present when started with a state file */
  persistence?: EstatePersistence;
  find(name: string): RunningInstance;
  /** stops everything; with a state file, saves it first (what runs then is cut off as a restart cuts it off) */
  stop(): Promise<void>;
}

export interface StartEstateOptions {
  services: EngineServices;
  /** admin API port; 0 (default) = any free port */
  adminPort?: number;
  /** overrides the estate's clockSpeed */
  clock?: EngineClock;
  /**
   * Keep the estate's state in this file: loaded at start when it exists (instances matched by
   * name), written atomically (mode 0600: it holds credential secrets) after changes and at stop.
   */
  stateFile?: string;
  /** how often the state is checked for changes and written when it changed (default 1000 ms) */
  saveIntervalMs?: number;
  /** one line about the state file (what was restored, what started fresh, a file that was ignored) */
  log?: (line: string) => void;
}

/** the state is rewritten at least this often even when nothing changed, so the saved clock stays close */
const HEARTBEAT_MS = 10_000;

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

/** Restores what the saved state holds for this estate; returns the one line that says what happened. */
function restoreEstate(estate: Estate, saved: SavedEstate, instances: EmulatedInstance[], links: LinkRegistry, file: string, lostMs: number): string {
  const kept: string[] = [];
  const notes: string[] = [];
  for (const inst of instances) {
    const s = saved.instances.find((x) => x.name.toLowerCase() === inst.config.name.toLowerCase());
    if (!s) {
      notes.push(`${inst.config.name} is new in the estate file: started fresh`);
      continue;
    }
    if (s.kind !== inst.config.kind) {
      notes.push(`${inst.config.name} is now a ${inst.config.kind === 'managedInstance' ? 'managed instance' : 'SQL Server'}: started fresh`);
      continue;
    }
    const recorded = saved.estateFile.instances.find((x) => x.name.toLowerCase() === inst.config.name.toLowerCase());
    const newDbs = restoreInstance(inst, s, recorded, lostMs);
    kept.push(inst.config.name);
    if (newDbs.length > 0) notes.push(`${newDbs.join(', ')} on ${inst.config.name} new in the estate file: created fresh`);
  }
  const keptNames = new Set(kept.map((n) => n.toLowerCase()));
  for (const s of saved.instances) {
    if (!instances.some((i) => i.config.name.toLowerCase() === s.name.toLowerCase())) notes.push(`${s.name} is no longer in the estate file: its state is dropped`);
  }
  const restoredLinks = new Set<string>();
  for (const l of saved.links) {
    try {
      links.adopt(ManagedInstanceLink.fromSaved(l, (name) => (keptNames.has(name.toLowerCase()) ? instances.find((i) => i.config.name.toLowerCase() === name.toLowerCase()) : undefined)));
      restoredLinks.add(l.name.toLowerCase());
    } catch (e) {
      notes.push(`link ${l.name} not restored (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const byName = (name: string): EmulatedInstance => {
    const found = instances.find((i) => i.config.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new Error(`no instance '${name}' in the estate`);
    return found;
  };
  for (const link of estate.links ?? []) {
    if (restoredLinks.has(link.name.toLowerCase())) continue;
    const recorded = saved.estateFile.links.some((n) => n.toLowerCase() === link.name.toLowerCase());
    const sides = [link.sqlServer.instance, link.managedInstance.instance];
    // removed at runtime (by ARM) while both its instances are kept: it stays removed
    if (recorded && sides.every((n) => keptNames.has(n.toLowerCase())) && !saved.links.some((l) => l.name.toLowerCase() === link.name.toLowerCase())) continue;
    createLink(links, link, byName);
    notes.push(`link ${link.name} created from the estate file`);
  }
  const head = kept.length > 0 ? `restored ${kept.join(', ')} from ${file} (saved ${ago(Date.now() - saved.savedAt.getTime())}${saved.clean ? '' : ', not stopped cleanly'})` : `nothing in ${file} matches the estate file`;
  return `emulator state: ${[head, ...notes].join('; ')}`;
}

function createLink(links: LinkRegistry, link: NonNullable<Estate['links']>[number], byName: (name: string) => EmulatedInstance): void {
  const mi = byName(link.managedInstance.instance);
  const created = links.create({
    name: link.name,
    partner: { host: byName(link.sqlServer.instance), availabilityGroupName: link.sqlServer.availabilityGroup, endpointUrl: `TCP://${link.sqlServer.instance}:5022` },
    instance: { host: mi, availabilityGroupName: mi.config.name, endpointUrl: `TCP://${mi.config.name}.emulator.database.windows.net:5022` },
    databases: link.databases,
    failoverMode: 'Manual',
    primary: link.primary === 'managedInstance' ? 'instance' : 'partner',
    availabilityMode: link.replicationMode === 'Sync' ? 'SYNCHRONOUS_COMMIT' : 'ASYNCHRONOUS_COMMIT',
    seeded: link.seeded,
    redoRateKBps: link.redoRateKBps,
    network: {
      ...(link.bandwidthKBps !== undefined ? { bandwidthKBps: link.bandwidthKBps } : {}),
      ...(link.latencyMs !== undefined ? { latencyMs: link.latencyMs } : {}),
    },
  });
  for (const fault of link.faults ?? []) links.injectFault(created, fault);
}

export async function startEstate(estate: Estate, options: StartEstateOptions): Promise<RunningEstate> {
  const log = options.log ?? ((): void => undefined);
  const intervalMs = options.saveIntervalMs ?? 1000;
  let saved: SavedEstate | undefined;
  let loaded: EstatePersistence['loaded'] = 'fresh';
  const file = options.stateFile;
  if (file) {
    const read = readStateFile(file);
    if (read.problem !== undefined) {
      const aside = setAside(file);
      log(`emulator state: ${file} ${read.problem}; starting fresh${aside ? ` (the file is kept as ${aside})` : ''}`);
      loaded = 'ignored';
    } else saved = read.state;
  }
  // after a hard kill the last save may be this much simulated time old: time and LSNs start past it
  const lostMs = saved && !saved.clean ? (HEARTBEAT_MS + 2 * saved.clock.intervalMs) * saved.clock.speed : 0;
  const resumeAt = saved ? saved.clock.now.getTime() + lostMs : 0;
  const clock = options.clock ?? new ScaledClock(estate.clockSpeed ?? 1, new Date(Math.max(Date.now(), resumeAt)));
  if (options.clock instanceof ScaledClock && resumeAt > options.clock.now().getTime()) options.clock.advance(resumeAt - options.clock.now().getTime());

  let instances = buildInstances(estate, clock);
  let links = new LinkRegistry(clock);
  const byName = (name: string): EmulatedInstance => {
    const found = instances.find((i) => i.config.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new Error(`no instance '${name}' in the estate`);
    return found;
  };
  if (saved && file) {
    try {
      log(restoreEstate(estate, saved, instances, links, file, lostMs));
      loaded = 'restored';
    } catch (e) {
      // a file that parses but cannot be applied: the same as a corrupt one, never half of it
      const aside = setAside(file);
      log(`emulator state: ${file} could not be applied (${e instanceof Error ? e.message : String(e)}); starting fresh${aside ? ` (the file is kept as ${aside})` : ''}`);
      saved = undefined;
      loaded = 'ignored';
      instances = buildInstances(estate, clock);
      links.stop();
      links = new LinkRegistry(clock);
    }
  }
  if (!saved) for (const link of estate.links ?? []) createLink(links, link, byName);
  for (const instance of instances) instance.links = links;

  const sections = new Map<string, () => unknown>();
  let lastBody: string | undefined;
  let lastWrite = 0;
  let writeFailed = false;
  let started = false;
  let saver: NodeJS.Timeout | undefined;
  const save = (clean: boolean): void => {
    if (!file) return;
    const body = {
      estateFile: estateFileNames(estate),
      instances: instances.map(captureInstance),
      links: links.links().map((l) => l.toSaved()),
      // sections nobody registered this run (the ARM backend not started) are kept as they were
      sections: { ...(saved?.sections ?? {}), ...Object.fromEntries([...sections].map(([name, f]) => [name, f()])) },
    };
    const text = JSON.stringify(toJson(body));
    if (!clean && text === lastBody && Date.now() - lastWrite < HEARTBEAT_MS) return;
    try {
      writeStateFile(file, { format: STATE_FORMAT, version: STATE_VERSION, savedAt: new Date(), clean, clock: { now: clock.now(), speed: clock.speed, intervalMs }, ...body });
      lastBody = text;
      lastWrite = Date.now();
      writeFailed = false;
    } catch (e) {
      // the estate goes on; the problem is said once, not every second
      if (!writeFailed) log(`emulator state: could not write ${file} (${e instanceof Error ? e.message : String(e)})`);
      writeFailed = true;
    }
  };

  const tls = generateTlsMaterial(instances.map((i) => i.serverName));
  const servers: TdsServer[] = [];
  const running: RunningInstance[] = [];
  const admin = new AdminServer(
    () => running.map<AdminInstance>((r) => ({ instance: r.instance, host: r.host, port: r.port })),
    () => links,
  );
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (saver) clearInterval(saver);
      // saved before anything is stopped: what runs now is cut off as a restart cuts it off
      if (started) save(true);
      links.stop();
      for (const inst of instances) inst.stop();
      await Promise.all([...servers.map((s) => s.close()), admin.close()]);
    })());
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
    links.start();
    const adminPort = await admin.listen(options.adminPort ?? 0);
    started = true;
    let persistence: EstatePersistence | undefined;
    if (file) {
      save(false);
      saver = setInterval(() => save(false), intervalMs);
      saver.unref();
      const restoredSections = saved?.sections ?? {};
      persistence = {
        file,
        loaded,
        section(name, fn) {
          sections.set(name, fn);
          return restoredSections[name];
        },
        saveNow: () => save(false),
      };
    }
    return {
      instances: running,
      links,
      adminUrl: `http://${LOOPBACK}:${adminPort}`,
      clock,
      persistence,
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
