// host.json settings the host honours: extensions.queues (with the real host's defaults),
// extensions.http.routePrefix, functionTimeout; and, as the real host does, app settings named
// `AzureFunctionsJobHost__<path>` (local.settings.json Values or the environment) override them.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface QueueHostSettings {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  /** delay before a failed message is visible again */
  visibilityTimeoutMs: number;
  maxPollingIntervalMs: number;
  messageEncoding: 'base64' | 'none';
}

export interface HostSettings {
  queues: QueueHostSettings;
  routePrefix: string;
  functionTimeoutMs?: number;
}

/** "hh:mm:ss" or "d.hh:mm:ss" (a .NET TimeSpan), or a number of milliseconds. */
export function parseTimeSpan(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw new Error(`host.json ${name} must be a TimeSpan like "00:00:30"`);
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value.trim());
  if (!m) throw new Error(`host.json ${name} "${value}" is not a TimeSpan like "00:00:30"`);
  const [, days, h, mi, s, frac] = m;
  const fraction = frac ? Number(`0.${frac}`) : 0;
  return ((Number(days ?? 0) * 24 + Number(h)) * 3600 + Number(mi) * 60 + Number(s) + fraction) * 1000;
}

type Json = Record<string, unknown>;

function objectAt(parent: Json | undefined, key: string): Json | undefined {
  const found = parent ? Object.entries(parent).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1] : undefined;
  return typeof found === 'object' && found !== null && !Array.isArray(found) ? (found as Json) : undefined;
}

function valueAt(parent: Json | undefined, key: string): unknown {
  return parent ? Object.entries(parent).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1] : undefined;
}

function numberAt(parent: Json | undefined, key: string, fallback: number): number {
  const raw = valueAt(parent, key);
  if (raw === undefined) return fallback;
  // an app-setting override arrives as text, and the host's configuration binder converts it
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`host.json extensions.queues.${key} must be a number`);
  return v;
}

/** The app-setting prefix the Functions host reads host.json overrides from. */
export const HOST_OVERRIDE_PREFIX = 'AzureFunctionsJobHost';

export interface HostOverride {
  /** the setting's name, e.g. AzureFunctionsJobHost__functionTimeout */
  setting: string;
  /** the host.json path it replaces, e.g. functionTimeout or extensions.queues.maxDequeueCount */
  path: string;
  value: string;
}

/** The `AzureFunctionsJobHost__a__b` (or `AzureFunctionsJobHost:a:b`) settings, as host.json paths. */
export function hostOverridesIn(settings: Record<string, string | undefined>): HostOverride[] {
  const found: HostOverride[] = [];
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const m = /^AzureFunctionsJobHost(?:__|:)(.+)$/i.exec(name);
    if (!m) continue;
    const parts = m[1].split(/__|:/).filter(Boolean);
    if (parts.length > 0) found.push({ setting: name, path: parts.join('.'), value });
  }
  // deterministic when two spellings name one path: the later name (by code unit order) wins
  return found.sort((a, b) => (a.setting < b.setting ? -1 : a.setting > b.setting ? 1 : 0));
}

/**
 * host.json with the overrides applied: each replaces the value at its path (keys matched
 * case-insensitively, as the host's configuration is), creating the objects on the way.
 */
export function applyHostOverrides(json: Json, overrides: HostOverride[]): Json {
  const copy = JSON.parse(JSON.stringify(json)) as Json;
  for (const o of overrides) {
    const parts = o.path.split('.');
    let node = copy;
    for (const part of parts.slice(0, -1)) {
      const key = Object.keys(node).find((k) => k.toLowerCase() === part.toLowerCase());
      const next = key === undefined ? undefined : node[key];
      if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next as Json;
      else {
        const fresh: Json = {};
        node[key ?? part] = fresh;
        node = fresh;
      }
    }
    const leaf = parts[parts.length - 1];
    const existing = Object.keys(node).find((k) => k.toLowerCase() === leaf.toLowerCase());
    node[existing ?? leaf] = o.value;
  }
  return copy;
}

/** Settings from a parsed host.json; absent values take the Functions host defaults. */
export function hostSettingsFrom(json: Json): HostSettings {
  const extensions = objectAt(json, 'extensions');
  const queues = objectAt(extensions, 'queues');
  const http = objectAt(extensions, 'http');
  const batchSize = numberAt(queues, 'batchSize', 16);
  if (batchSize < 1 || batchSize > 32) throw new Error('host.json extensions.queues.batchSize must be from 1 to 32');
  const encoding = String(valueAt(queues, 'messageEncoding') ?? 'base64').toLowerCase();
  if (encoding !== 'base64' && encoding !== 'none') throw new Error('host.json extensions.queues.messageEncoding must be "base64" or "none"');
  const visibility = valueAt(queues, 'visibilityTimeout');
  const polling = valueAt(queues, 'maxPollingInterval');
  const prefix = valueAt(http, 'routePrefix');
  const timeout = valueAt(json, 'functionTimeout');
  return {
    queues: {
      batchSize,
      newBatchThreshold: numberAt(queues, 'newBatchThreshold', Math.floor(batchSize / 2)),
      maxDequeueCount: numberAt(queues, 'maxDequeueCount', 5),
      visibilityTimeoutMs: visibility === undefined ? 0 : parseTimeSpan(visibility, 'extensions.queues.visibilityTimeout'),
      maxPollingIntervalMs: polling === undefined ? 60_000 : parseTimeSpan(polling, 'extensions.queues.maxPollingInterval'),
      messageEncoding: encoding,
    },
    routePrefix: typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : 'api',
    // "-1" is the host's "unbounded"
    functionTimeoutMs: timeout === undefined || timeout === null || String(timeout).trim() === '-1' ? undefined : parseTimeSpan(timeout, 'functionTimeout'),
  };
}

/**
 * <appRoot>/host.json, with the `AzureFunctionsJobHost__…` overrides among `settings` (pass the
 * environment the functions see: local.settings.json Values with the process environment winning).
 */
export function readHostJson(appRoot: string, settings: Record<string, string | undefined> = {}): HostSettings {
  const file = path.join(appRoot, 'host.json');
  if (!existsSync(file)) throw new Error(`host.json not found in ${appRoot}: the Functions host needs one at the app root`);
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file} must hold a JSON object`);
  const overrides = hostOverridesIn(settings);
  try {
    return hostSettingsFrom(applyHostOverrides(parsed as Json, overrides));
  } catch (err) {
    // name the setting when it is an override that does not parse, not host.json
    const names = overrides.map((o) => `${o.setting}=${o.value}`).join(', ');
    throw new Error(overrides.length > 0 ? `${(err as Error).message} (with the app-setting overrides ${names})` : (err as Error).message);
  }
}
