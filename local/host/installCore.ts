// In Azure the Node.js worker makes `require('@azure/functions-core')` resolve to its built-in
// module. In a plain Node process the local host does the same by teaching Node's resolver that
// one name; under jest the `moduleNameMapper` entry for '@azure/functions-core' does it instead.
import Module from 'node:module';

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;

const CORE_MODULE = '@azure/functions-core';
let installed = false;

/** Absolute path of the shim file the name resolves to. */
export function functionsCorePath(): string {
  return require.resolve('./functionsCore');
}

/** Idempotent: makes `@azure/functions-core` resolvable for every later require in this process. */
export function installFunctionsCore(): void {
  if (installed) return;
  const internals = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = internals._resolveFilename;
  const target = functionsCorePath();
  internals._resolveFilename = function resolveWithCore(request, parent, isMain, options) {
    if (request === CORE_MODULE) return target;
    return original.call(this, request, parent, isMain, options);
  };
  installed = true;
}
