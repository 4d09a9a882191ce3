// Host log lines in the shape Core Tools prints them, and the observable events tests use.
import { EventEmitter } from 'node:events';
import type { RpcLogLevel } from './coreTypes';

export interface HostLogEntry {
  time: Date;
  level: RpcLogLevel;
  /** 'Host', 'Function.<name>' (host lines about a function) or 'Function.<name>.User' (context.log) */
  category: string;
  message: string;
  functionName?: string;
  invocationId?: string;
}

export interface InvocationStarted {
  functionName: string;
  invocationId: string;
  triggerType: string;
  reason: string;
  startedAt: Date;
}

export interface InvocationFinished extends InvocationStarted {
  status: 'Succeeded' | 'Failed';
  durationMs: number;
  error?: Error;
}

export interface HostEventMap {
  log: [HostLogEntry];
  invocationStarted: [InvocationStarted];
  invocationFinished: [InvocationFinished];
}

/** Typed events of one running host. */
export class HostEvents extends EventEmitter<HostEventMap> {
  log(level: RpcLogLevel, category: string, message: string, extra: Partial<HostLogEntry> = {}): void {
    this.emit('log', { time: new Date(), level, category, message, ...extra });
  }
}

/** The Core Tools console format: `[2026-01-01T00:00:00.000Z] message`. */
export function formatLogEntry(entry: HostLogEntry): string {
  return `[${entry.time.toISOString()}] ${entry.message}`;
}

export function describeError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err));
}
