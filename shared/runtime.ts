// What the functions import: getRuntime(). The composition (the platform's SDK clients: mssql,
// storage, identity, ARM, Event Grid) is loaded by the first invocation that asks for it, not when
// the host loads the app, so a cold start pays for @azure/functions and the function files only.
import type { Runtime } from './composition';

export type { Runtime } from './composition';

let runtime: Promise<Runtime> | undefined;

/** The process-wide runtime; a failed start is retried by the next invocation. */
export function getRuntime(): Promise<Runtime> {
  if (!runtime) {
    runtime = import('./composition')
      .then((c) => c.createRuntime(process.env, c.appRoot()))
      .catch((err: unknown) => {
        runtime = undefined;
        throw err;
      });
  }
  return runtime;
}
