// The worker API module `@azure/functions-core`, as the Azure Functions Node.js worker provides it
// to `@azure/functions` v4: the library's `app.*` calls end in `registerFunction`, its hooks in
// `registerHook`, and it installs its invocation pipeline with `setProgrammingModel`. The local
// host resolves `require('@azure/functions-core')` to this file (see installCore.ts) and reads
// what was registered from `coreRegistry`, so the app registers itself exactly as in Azure.
import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  HookName,
  ProgrammingModel,
  RpcLogCategory,
  RpcLogLevel,
} from './coreTypes';

/** Worker and host versions the library may read; ours say what they are. */
export const version = '4.0.0-local';
export const hostVersion = '4.0.0-local';

export class Disposable {
  static from(...likes: { dispose: () => unknown }[]): Disposable {
    return new Disposable(() => likes.forEach((l) => l.dispose()));
  }
  #callOnDispose?: () => unknown;
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }
  dispose(): unknown {
    const call = this.#callOnDispose;
    this.#callOnDispose = undefined;
    return call?.();
  }
}

export interface CoreRegistration {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  /** the app file whose loading registered it */
  file?: string;
}

export type CoreLogSink = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

/** What the app registered in this process; one per module instance, like the worker's. */
class CoreRegistry {
  readonly functions: CoreRegistration[] = [];
  readonly hooks = new Map<HookName, HookCallback[]>();
  programmingModel?: ProgrammingModel;
  /** the app file being loaded, so registrations can be attributed to it */
  loadingFile?: string;
  logSink: CoreLogSink = (level, category, message) => {
    if (level === 'error' || level === 'critical') console.error(`[${category}] ${message}`);
  };

  hooksFor(name: HookName): HookCallback[] {
    return [...(this.hooks.get(name) ?? [])];
  }
}

export const coreRegistry = new CoreRegistry();

export function registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
  if (coreRegistry.functions.some((f) => f.metadata.name.toLowerCase() === metadata.name.toLowerCase())) {
    // The worker refuses duplicate names the same way: function names are unique in an app.
    throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
  }
  const registration: CoreRegistration = { metadata, callback, file: coreRegistry.loadingFile };
  coreRegistry.functions.push(registration);
  return new Disposable(() => {
    const at = coreRegistry.functions.indexOf(registration);
    if (at >= 0) coreRegistry.functions.splice(at, 1);
  });
}

export function registerHook(hookName: HookName, callback: HookCallback): Disposable {
  const list = coreRegistry.hooks.get(hookName) ?? [];
  list.push(callback);
  coreRegistry.hooks.set(hookName, list);
  return new Disposable(() => {
    const at = list.indexOf(callback);
    if (at >= 0) list.splice(at, 1);
  });
}

export function setProgrammingModel(programmingModel: ProgrammingModel): void {
  coreRegistry.programmingModel = programmingModel;
}

export function getProgrammingModel(): ProgrammingModel {
  if (!coreRegistry.programmingModel) throw new Error('No programming model is set: load the app through @azure/functions first.');
  return coreRegistry.programmingModel;
}

/** System and user logs outside an invocation, as the worker forwards them to the host. */
export function log(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
  coreRegistry.logSink(level, category, message);
}
