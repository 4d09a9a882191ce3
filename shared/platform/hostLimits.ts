// What the Functions host allows an invocation (host.json, or its app-setting overrides
// `AzureFunctionsJobHost__…`), and the engine settings that must agree with it. The app refuses
// to start when an invocation may outlive its operation's lease plus grace: a step cut off by the
// host's timeout could then still be running when another worker takes the operation over.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors';
import { defaultOpsSettings, type OpsSettings } from '../ops/settings';

type Settings = Record<string, string | undefined>;

export interface HostLimits {
  /** undefined: unbounded ("-1") */
  functionTimeoutMs: number | undefined;
  maxDequeueCount: number;
}

/** Flex Consumption and Premium run up to 30 minutes when host.json says nothing. */
const DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60_000;

/** "hh:mm:ss" (or "d.hh:mm:ss"), or "-1" for unbounded. */
export function parseTimeSpan(value: string): number | undefined {
  const text = value.trim();
  if (text === '-1') return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(text);
  if (!m) throw new AppError('CONFIGURATION_INVALID', `functionTimeout '${value}' is not a time span like 00:05:00`);
  const [, days, h, min, s] = m;
  return (((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60 + Number(s)) * 1000;
}

export function readHostLimits(appRoot: string, settings: Settings): HostLimits {
  let host: { functionTimeout?: string; extensions?: { queues?: { maxDequeueCount?: number } } } = {};
  try {
    host = JSON.parse(readFileSync(path.join(appRoot, 'host.json'), 'utf8')) as typeof host;
  } catch {
    // no host.json: the host's defaults
  }
  const timeout = settings.AzureFunctionsJobHost__functionTimeout ?? host.functionTimeout;
  const dequeue = settings.AzureFunctionsJobHost__extensions__queues__maxDequeueCount;
  return {
    functionTimeoutMs: timeout === undefined ? DEFAULT_FUNCTION_TIMEOUT_MS : parseTimeSpan(timeout),
    maxDequeueCount: dequeue !== undefined ? Number(dequeue) : (host.extensions?.queues?.maxDequeueCount ?? 5),
  };
}

function seconds(settings: Settings, name: string): number | undefined {
  const raw = settings[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new AppError('CONFIGURATION_INVALID', `app setting ${name} is '${raw}'; it must be a positive number of seconds`);
  return value * 1000;
}

const minutes = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);

/** The engine's settings for this host; throws CONFIGURATION_INVALID when they cannot be safe. */
export function engineSettings(settings: Settings, limits: HostLimits): Partial<OpsSettings> {
  const leaseMs = seconds(settings, 'OPS_LEASE_SECONDS') ?? defaultOpsSettings.leaseMs;
  const leaseGraceMs = seconds(settings, 'OPS_LEASE_GRACE_SECONDS') ?? defaultOpsSettings.leaseGraceMs;
  const guard = leaseMs + leaseGraceMs;
  if (limits.functionTimeoutMs === undefined || limits.functionTimeoutMs >= guard) {
    const timeout = limits.functionTimeoutMs === undefined ? 'unbounded (-1)' : minutes(limits.functionTimeoutMs);
    throw new AppError(
      'CONFIGURATION_INVALID',
      `the function timeout (host.json functionTimeout) is ${timeout}, not below the operation lease (${minutes(leaseMs)}) plus its grace (${minutes(leaseGraceMs)}): ` +
        'a step cut off by the timeout could still be running when another worker takes its operation over. ' +
        'Set functionTimeout below that, or raise OPS_LEASE_SECONDS / OPS_LEASE_GRACE_SECONDS',
    );
  }
  // stop starting steps well within the timeout, so the last step still has time to finish
  const invocationBudgetMs = Math.min(defaultOpsSettings.invocationBudgetMs, Math.floor(limits.functionTimeoutMs / 2));
  return { leaseMs, leaseGraceMs, maxDequeueCount: limits.maxDequeueCount, invocationBudgetMs };
}
