// local.settings.json as Core Tools reads it (`Values` become the functions' environment, `Host`
// holds LocalHttpPort), plus the settings only this host needs, kept in `Values` because that is
// the one place local.settings.json allows free-form strings:
//   FUNCTIONS_MASTER_KEY            the host master key (admin level; also accepted everywhere)
//   FUNCTIONS_DEFAULT_KEY           the host-level "default" function key (every function)
//   FUNCTIONS_KEY_<functionName>    a key of one function only
//   FUNCTIONS_EVENTGRID_KEY         the `eventgrid_extension` system key (webhook endpoint)
//   LOCAL_BLOB_EVENTS               which Azurite containers raise BlobCreated, to which function:
//                                   "backups,archive=>backupUploaded;other=>otherFunction"
//   LOCAL_BLOB_EVENTS_CONNECTION    the setting holding the storage connection (AzureWebJobsStorage)
//   LOCAL_BLOB_EVENTS_STATE_FILE    where the blob watcher remembers what it delivered, across restarts
import { existsSync, copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface HostKeys {
  master?: string;
  /** host-level function key, valid for every function */
  functionDefault?: string;
  /** per-function keys by function name (case-insensitive) */
  functions: Record<string, string>;
  /** the eventgrid_extension system key */
  eventGridExtension?: string;
}

export interface BlobEventRoute {
  containers: string[];
  functionName: string;
}

export interface LocalSettings {
  values: Record<string, string>;
  /** `Host.LocalHttpPort` */
  port?: number;
  keys: HostKeys;
  blobEvents: BlobEventRoute[];
  blobEventsConnection: string;
}

interface LocalSettingsFile {
  IsEncrypted?: boolean;
  Values?: Record<string, unknown>;
  Host?: Record<string, unknown>;
}

const SETTINGS_FILE = 'local.settings.json';
const SAMPLE_FILE = 'local.settings.sample.json';

/**
 * Creates local.settings.json from local.settings.sample.json when it does not exist.
 * Returns true when it created the file.
 */
export function ensureLocalSettings(appRoot: string): boolean {
  const target = path.join(appRoot, SETTINGS_FILE);
  if (existsSync(target)) return false;
  const sample = path.join(appRoot, SAMPLE_FILE);
  if (!existsSync(sample)) throw new Error(`${SETTINGS_FILE} is missing and there is no ${SAMPLE_FILE} in ${appRoot} to create it from`);
  copyFileSync(sample, target);
  return true;
}

/** "a,b=>fn;c=>fn2" → routes; blanks ignored. */
export function parseBlobEvents(text: string | undefined): BlobEventRoute[] {
  if (!text) return [];
  return text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [containers, functionName] = part.split('=>').map((s) => s.trim());
      if (!containers || !functionName) throw new Error(`LOCAL_BLOB_EVENTS entry "${part}" must look like "container1,container2=>functionName"`);
      return { containers: containers.split(',').map((c) => c.trim()).filter(Boolean), functionName };
    });
}

/** Builds settings from a `Values` map (and an optional port). */
export function settingsFromValues(values: Record<string, string>, port?: number): LocalSettings {
  const functions: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const m = /^FUNCTIONS_KEY_(.+)$/.exec(name);
    if (m && value) functions[m[1].toLowerCase()] = value;
  }
  return {
    values,
    port,
    keys: {
      master: values.FUNCTIONS_MASTER_KEY || undefined,
      functionDefault: values.FUNCTIONS_DEFAULT_KEY || undefined,
      functions,
      eventGridExtension: values.FUNCTIONS_EVENTGRID_KEY || undefined,
    },
    blobEvents: parseBlobEvents(values.LOCAL_BLOB_EVENTS),
    blobEventsConnection: values.LOCAL_BLOB_EVENTS_CONNECTION || 'AzureWebJobsStorage',
  };
}

/** Reads local.settings.json from the app root; an absent file means empty settings. */
export function readLocalSettings(appRoot: string): LocalSettings {
  const file = path.join(appRoot, SETTINGS_FILE);
  if (!existsSync(file)) return settingsFromValues({});
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as LocalSettingsFile;
  if (parsed.IsEncrypted) throw new Error(`${file} is encrypted; the local host reads plain settings only`);
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.Values ?? {})) {
    // Core Tools accepts only strings, numbers and booleans in Values and passes them as text.
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values[name] = String(value);
  }
  const port = Number(parsed.Host?.LocalHttpPort);
  return settingsFromValues(values, Number.isInteger(port) && port >= 0 ? port : undefined);
}

/**
 * Puts `Values` into process.env as the host does for the worker; a variable already set in the
 * environment wins, as with Core Tools.
 */
export function applySettingsToEnv(settings: LocalSettings, env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(settings.values)) {
    if (env[name] === undefined) env[name] = value;
  }
}

/** `UseDevelopmentStorage=true` means Azurite on its default ports, as the Storage SDKs read it. */
export function resolveConnection(settingName: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[settingName] ?? env[`AzureWebJobs${settingName}`];
  if (!value) throw new Error(`connection setting "${settingName}" is not set in local.settings.json Values or the environment`);
  return value;
}
