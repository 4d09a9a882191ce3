// host.json settings the host honours: extensions.queues (with the real host's defaults),
// extensions.http.routePrefix, functionTimeout.
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
  const v = valueAt(parent, key);
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`host.json extensions.queues.${key} must be a number`);
  return v;
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
    functionTimeoutMs: timeout === undefined || timeout === null ? undefined : parseTimeSpan(timeout, 'functionTimeout'),
  };
}

export function readHostJson(appRoot: string): HostSettings {
  const file = path.join(appRoot, 'host.json');
  if (!existsSync(file)) throw new Error(`host.json not found in ${appRoot}: the Functions host needs one at the app root`);
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file} must hold a JSON object`);
  return hostSettingsFrom(parsed as Json);
}
