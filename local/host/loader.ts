// Loads the app as the Functions host does with the new programming model: package.json `main`
// (a path or glob relative to the app root) names the entry files; requiring them runs the
// `app.*` registrations, which reach `@azure/functions-core` (our shim) and are read back here.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FunctionCallback, FunctionMetadata, RpcBindingInfo } from './coreTypes';
import { coreRegistry } from './functionsCore';
import { installFunctionsCore } from './installCore';

export interface TriggerBinding extends RpcBindingInfo {
  name: string;
  type: string;
}

export interface LoadedFunction {
  name: string;
  functionId: string;
  metadata: FunctionMetadata & { functionId: string };
  callback: FunctionCallback;
  trigger: TriggerBinding;
  file?: string;
}

function globToRegExp(segment: string): RegExp {
  const escaped = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}

function expand(dir: string, segments: string[]): string[] {
  if (segments.length === 0) return existsSync(dir) && statSync(dir).isFile() ? [dir] : [];
  const [head, ...rest] = segments;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  if (head === '**') {
    const here = expand(dir, rest);
    const deeper = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'node_modules')
      .flatMap((e) => expand(path.join(dir, e.name), segments));
    return [...here, ...deeper];
  }
  if (!/[*?]/.test(head)) return expand(path.join(dir, head), rest);
  const pattern = globToRegExp(head);
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .flatMap((name) => expand(path.join(dir, name), rest));
}

/** The entry files package.json `main` names, sorted, as absolute paths. */
export function resolveEntryFiles(appRoot: string): string[] {
  const pkgFile = path.join(appRoot, 'package.json');
  if (!existsSync(pkgFile)) throw new Error(`package.json not found in ${appRoot}`);
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { main?: unknown };
  const main = typeof pkg.main === 'string' && pkg.main ? pkg.main : 'index.js';
  const files = expand(path.resolve(appRoot), main.split(/[\\/]+/).filter((s) => s && s !== '.')).sort();
  if (files.length === 0) throw new Error(`package.json main "${main}" matches no file under ${appRoot} (build the app first)`);
  return files;
}

function triggerOf(metadata: FunctionMetadata): TriggerBinding {
  for (const [name, binding] of Object.entries(metadata.bindings)) {
    if (typeof binding.type === 'string' && binding.type.toLowerCase().endsWith('trigger') && binding.direction === 'in') {
      return { ...binding, name, type: binding.type };
    }
  }
  throw new Error(`function "${metadata.name}" has no trigger binding`);
}

/**
 * Requires the app's entry files and returns the functions they registered. Files this process
 * already loaded keep the registrations they made the first time (modules run once).
 */
export function loadApp(appRoot: string): LoadedFunction[] {
  installFunctionsCore();
  const files = resolveEntryFiles(appRoot);
  for (const file of files) {
    coreRegistry.loadingFile = file;
    try {
      // The module-scope require on purpose: under jest it is jest's (TypeScript fixtures load).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(file);
    } finally {
      coreRegistry.loadingFile = undefined;
    }
  }
  const fileSet = new Set(files);
  return coreRegistry.functions
    .filter((f) => f.file !== undefined && fileSet.has(f.file))
    .map((f) => {
      // The worker uses the name as the function id when the app gives none.
      const functionId = f.metadata.functionId ?? f.metadata.name;
      return {
        name: f.metadata.name,
        functionId,
        metadata: { ...f.metadata, functionId },
        callback: f.callback,
        trigger: triggerOf(f.metadata),
        file: f.file,
      };
    });
}
