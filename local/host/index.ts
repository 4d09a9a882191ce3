// The local Functions host: loads the app's compiled functions through `@azure/functions-core`,
// serves HTTP routes and the Event Grid webhook on 127.0.0.1, runs timers, queue pumps and the
// blob watcher, and stops them all cleanly. `npm start` and the tests start it with startLocalHost.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { BlobWatcher } from './blobWatcher';
import { deliverEvent, EVENTGRID_WEBHOOK_PATH, serveEventGridWebhook } from './eventGridWebhook';
import { coreRegistry } from './functionsCore';
import { HostSettings, hostOverridesIn, readHostJson } from './hostJson';
import { formatLogEntry, HostEvents, HostLogEntry } from './hostLog';
import { findRoute, httpRouteOf, HttpRoute, maxRequestBodyBytes, serveHttpTrigger } from './httpTrigger';
import { Invoker } from './invoker';
import { authorizeFunction, completeKeys, presentedKey } from './keys';
import { LoadedFunction, loadApp } from './loader';
import { QueueTrigger, startQueueTrigger, type QueueMessageEvent } from './queueTriggers';
import { applySettingsToEnv, BlobEventRoute, LocalSettings, readLocalSettings, resolveConnection } from './settings';
import { TimerRunner } from './timers';
import { redactSecrets, sanitizeUrl } from '../../shared/redact';

export { ensureLocalSettings, readLocalSettings, settingsFromValues } from './settings';
export type { LocalSettings, HostKeys, BlobEventRoute } from './settings';
export type { HostLogEntry, InvocationStarted, InvocationFinished } from './hostLog';
export { formatLogEntry } from './hostLog';
export type { BlobCreatedEvent } from './blobWatcher';
export type { QueueMessageEvent } from './queueTriggers';

export interface BlobWatchSettings {
  /** which containers raise BlobCreated to which function; default: LOCAL_BLOB_EVENTS */
  routes?: BlobEventRoute[];
  /** storage connection string; default: the setting LOCAL_BLOB_EVENTS_CONNECTION names */
  connectionString?: string;
  pollIntervalMs?: number;
  subscriptionId?: string;
  resourceGroup?: string;
  retryDelaysMs?: number[];
  /** remember delivered blobs across host restarts; default: the LOCAL_BLOB_EVENTS_STATE_FILE setting */
  stateFile?: string;
}

export interface LocalHostOptions {
  /** the folder holding package.json (whose `main` names the entry files) and host.json */
  appRoot: string;
  /** 0 = any free port; default: settings `Host.LocalHttpPort`, else 7071 */
  port?: number;
  /** default: read from <appRoot>/local.settings.json */
  settings?: LocalSettings;
  blobWatch?: BlobWatchSettings | false;
  /** where log lines go; default: the console in Core Tools' format */
  log?: (entry: HostLogEntry) => void;
  /** told about every queue message the host receives and settles (`npm start`'s supervisor, over IPC) */
  onQueueMessage?: (event: QueueMessageEvent) => void;
  /**
   * where the host reads connections and `%Setting%` values, and puts `Values`; default
   * process.env, which is what the functions read (pass another object only to isolate tests)
   */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedFunctionInfo {
  name: string;
  triggerType: string;
  /** http: `GET,POST /api/route`; timer: schedule; queue: queue name; eventGrid: webhook URL */
  description: string;
}

export interface LocalHost {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  functions: LoadedFunctionInfo[];
  events: HostEvents;
  keys: LocalSettings['keys'];
  hostSettings: HostSettings;
  /** invokes an Event Grid function with an event, as the blob watcher does */
  deliverEvent(functionName: string, event: Record<string, unknown>): Promise<boolean>;
  stop(): Promise<void>;
}

function defaultLog(entry: HostLogEntry): void {
  const line = formatLogEntry(entry);
  if (entry.level === 'error' || entry.level === 'critical') console.error(line);
  else console.log(line);
}

function isDisabled(fn: LoadedFunction, env: NodeJS.ProcessEnv): boolean {
  const value = env[`AzureWebJobs.${fn.name}.Disabled`] ?? env[`AzureWebJobs_${fn.name}_Disabled`];
  return value !== undefined && /^(true|1)$/i.test(value);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const appRoot = path.resolve(options.appRoot);
  const env = options.env ?? process.env;
  const settings = options.settings ?? readLocalSettings(appRoot);
  applySettingsToEnv(settings, env);
  // the functions' environment (Values, the process environment winning) holds the overrides
  const hostSettings = readHostJson(appRoot, env);
  const { keys } = completeKeys(settings.keys);
  const events = new HostEvents();
  events.on('log', options.log ?? defaultLog);
  const overrides = hostOverridesIn(env);
  if (overrides.length > 0) events.log('information', 'Host', `host.json values overridden by app settings: ${overrides.map((o) => `${o.path} = ${o.value}`).join(', ')}`);
  const invoker = new Invoker(events, hostSettings.functionTimeoutMs);
  const previousSink = coreRegistry.logSink;
  coreRegistry.logSink = (level, category, message) => events.log(level, category === 'user' ? 'Host.User' : 'Host', message);

  const all = loadApp(appRoot);
  // The worker asks the programming model for its capabilities once the app is loaded; this also
  // locks app.setup(), as in Azure. HTTP streaming needs the worker's proxy, which is not emulated.
  const capabilities = coreRegistry.programmingModel ? await coreRegistry.programmingModel.getCapabilities?.({}) : undefined;
  if (capabilities?.HttpUri) {
    throw new Error('app.setup({ enableHttpStream: true }) is not supported by the local host: HTTP streaming needs the Azure worker proxy');
  }
  const functions = all.filter((fn) => !isDisabled(fn, env));
  events.log('information', 'Host', `Found the following functions:\n${all.map((f) => `Host.Functions.${f.name}`).join('\n')}`);
  for (const hook of coreRegistry.hooksFor('appStart')) {
    await hook({ functionAppDirectory: appRoot, hookData: {}, appHookData: invoker.appHookData });
  }

  const byType = (type: string): LoadedFunction[] => functions.filter((f) => f.trigger.type.toLowerCase() === type.toLowerCase());
  const httpRoutes: HttpRoute[] = byType('httpTrigger').map(httpRouteOf);
  const unsupported = functions.filter(
    (f) => !['httptrigger', 'timertrigger', 'queuetrigger', 'eventgridtrigger'].includes(f.trigger.type.toLowerCase()),
  );
  for (const fn of unsupported) events.log('warning', 'Host', `The local host does not run ${fn.trigger.type} triggers; function '${fn.name}' is loaded but never invoked.`);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((err: unknown) => {
      // The URL may carry the function key (?code=), and the error may quote it.
      events.log('error', 'Host', `request ${req.method} ${sanitizeUrl(req.url ?? '/')} failed: ${redactSecrets(String(err))}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const prefix = hostSettings.routePrefix ? `/${hostSettings.routePrefix}` : '';
  const maxBodyBytes = maxRequestBodyBytes(env);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (url.pathname.toLowerCase() === EVENTGRID_WEBHOOK_PATH) {
      return serveEventGridWebhook(req, res, url, functions, keys, invoker);
    }
    if (url.pathname === '/admin/host/ping') {
      // Anonymous liveness probe, as on the real host.
      res.writeHead(200).end();
      return;
    }
    if (url.pathname === '/admin/host/status' && req.method === 'GET') {
      if (!authorizeFunction('admin', '', presentedKey(req.headers, url.searchParams), keys)) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ state: 'Running', version: '4.0.0-local' }));
      return;
    }
    const lower = url.pathname.toLowerCase();
    if (prefix === '' || lower === prefix.toLowerCase() || lower.startsWith(`${prefix.toLowerCase()}/`)) {
      const match = findRoute(httpRoutes, req.method ?? 'GET', url.pathname.slice(prefix.length));
      if (match) return serveHttpTrigger(match, req, res, url, keys, invoker, maxBodyBytes);
    }
    res.writeHead(404).end();
  };

  const requestedPort = options.port ?? settings.port ?? 7071;
  const port = await listen(server, requestedPort);
  const url = `http://127.0.0.1:${port}`;

  const timers = byType('timerTrigger').map((fn) => new TimerRunner(fn, invoker, env));
  const queues: QueueTrigger[] = [];
  let watcher: BlobWatcher | undefined;
  const stopAll = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await Promise.all(timers.map((t) => t.stop()));
    await Promise.all(queues.map((q) => q.pump.stop()));
    await watcher?.stop();
    await invoker.drain();
    for (const hook of coreRegistry.hooksFor('appTerminate')) await hook({ hookData: {}, appHookData: invoker.appHookData });
    coreRegistry.logSink = previousSink;
  };

  try {
    for (const fn of byType('queueTrigger')) queues.push(startQueueTrigger(fn, hostSettings.queues, invoker, events, env, options.onQueueMessage));
    const eventGridFunctions = byType('eventGridTrigger');
    const watch = options.blobWatch === false ? undefined : (options.blobWatch ?? {});
    const routes = watch ? (watch.routes ?? settings.blobEvents) : [];
    if (watch && routes.length > 0) {
      for (const route of routes) {
        if (!eventGridFunctions.some((f) => f.name.toLowerCase() === route.functionName.toLowerCase())) {
          throw new Error(`blob events for ${route.containers.join(', ')} name function '${route.functionName}', which is not an Event Grid triggered function of this app`);
        }
      }
      const containers = [...new Set(routes.flatMap((r) => r.containers))];
      watcher = new BlobWatcher({
        connectionString: watch.connectionString ?? resolveConnection(settings.blobEventsConnection, env),
        containers,
        pollIntervalMs: watch.pollIntervalMs,
        subscriptionId: watch.subscriptionId,
        resourceGroup: watch.resourceGroup,
        retryDelaysMs: watch.retryDelaysMs,
        stateFile: watch.stateFile ?? (env.LOCAL_BLOB_EVENTS_STATE_FILE || undefined),
        // storage errors quote request URLs, with the SAS when the connection uses one
        onError: (err) => events.log('error', 'Host.BlobWatcher', `blob watcher: ${redactSecrets(String(err))}`),
        deliver: async (event) => {
          const container = event.subject.split('/')[4];
          const targets = routes.filter((r) => r.containers.includes(container));
          const results = await Promise.all(
            targets.map((r) => {
              const fn = eventGridFunctions.find((f) => f.name.toLowerCase() === r.functionName.toLowerCase());
              return fn ? deliverEvent(fn, { ...event }, invoker) : Promise.resolve(false);
            }),
          );
          return results.every(Boolean);
        },
      });
      await watcher.start();
    }
    for (const timer of timers) timer.start();
  } catch (err) {
    await stopAll();
    throw err;
  }

  const describe = (fn: LoadedFunction): string => {
    const type = fn.trigger.type.toLowerCase();
    if (type === 'httptrigger') {
      const route = httpRouteOf(fn);
      return `[${route.methods.join(',')}] ${url}${prefix}/${route.route.template}`;
    }
    if (type === 'timertrigger') return `timer ${String(fn.trigger.schedule)}`;
    if (type === 'queuetrigger') return `queue ${queues.find((q) => q.fn === fn)?.queueName ?? String(fn.trigger.queueName)}`;
    if (type === 'eventgridtrigger') return `eventGrid ${url}${EVENTGRID_WEBHOOK_PATH}?functionName=${fn.name}`;
    return fn.trigger.type;
  };
  const infos = functions.map((fn) => ({ name: fn.name, triggerType: fn.trigger.type, description: describe(fn) }));
  events.log('information', 'Host', `Functions:\n${infos.map((f) => `        ${f.name}: ${f.description}`).join('\n')}`);
  events.log('information', 'Host', `Host started on ${url}`);

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    functions: infos,
    events,
    keys,
    hostSettings,
    deliverEvent: async (functionName, event) => {
      const fn = functions.find((f) => f.name.toLowerCase() === functionName.toLowerCase() && f.trigger.type.toLowerCase() === 'eventgridtrigger');
      if (!fn) throw new Error(`no Event Grid triggered function named '${functionName}'`);
      return deliverEvent(fn, event, invoker);
    },
    stop: () => (stopping ??= stopAll()),
  };
}
