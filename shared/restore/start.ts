// Turning a committed backup blob (from an event or an API call) into a restore operation.
import type { Estate } from '../config/schema';
import { blobEventKey, BlobCreated, checkBlobCreatedEvent, locateBlob } from '../events/blobCreated';
import { AppError } from '../errors';
import type { OperationEngine, StartResult } from '../ops/engine';
import { targetKeyOf } from './deps';
import { RESTORE_KIND, RestoreInput } from './input';
import { databaseNameProblem, matchRule } from './ruleMatch';

export type EventOutcome =
  | { outcome: 'started' | 'duplicate'; operationId: string; target: string }
  | { outcome: 'ignored'; reason: string; message: string };

/** Counts what happened to incoming events, by outcome and reason (for logs and the dashboard). */
export class EventCounters {
  readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

export function inputFromRule(estate: Estate, blob: BlobCreated): { input: RestoreInput } | { ignored: { reason: string; message: string } } {
  const verdict = matchRule(estate.restoreRules, blob.container.name, blob.blobPath);
  if (!verdict.matched) return { ignored: { reason: verdict.reason, message: verdict.message } };
  const { rule, captures, targetDatabase } = verdict.match;
  if (!estate.instances.some((i) => i.name.toLowerCase() === rule.target.instance.toLowerCase())) {
    return { ignored: { reason: 'unknown-instance', message: `rule ${rule.name} targets instance ${rule.target.instance}, which is not in the estate` } };
  }
  return {
    input: {
      rule: rule.name,
      container: blob.container.name,
      blobPath: blob.blobPath,
      blobUrl: blob.url,
      blobKey: blobEventKey(blob),
      pathPattern: rule.pathPattern,
      captures: Object.fromEntries(Object.entries(captures).filter((e): e is [string, string] => typeof e[1] === 'string')),
      target: { instance: rule.target.instance, database: targetDatabase },
      onExisting: rule.onExisting,
      verify: rule.verify,
      postRestoreScripts: rule.postRestoreScripts,
      validateRowCounts: rule.validation.rowCounts,
      stripeTimeoutMinutes: rule.stripeTimeoutMinutes,
      keepPreviousCopies: rule.keepPreviousCopies,
      requestedBy: `event ${blob.eventId}`,
    },
  };
}

/** One BlobCreated event: validated, matched to a rule, deduplicated, started. */
export async function restoreFromEvent(engine: OperationEngine, estate: Estate, event: unknown): Promise<EventOutcome> {
  const verdict = checkBlobCreatedEvent(event, estate.backupContainers);
  if (!verdict.accepted) return { outcome: 'ignored', reason: verdict.reason, message: verdict.message };
  const built = inputFromRule(estate, verdict.blob);
  if ('ignored' in built) return { outcome: 'ignored', ...built.ignored };
  const result = await engine.start({
    kind: RESTORE_KIND,
    targetKey: targetKeyOf(built.input),
    input: built.input,
    idempotencyKey: built.input.blobKey,
    createdBy: built.input.requestedBy,
  });
  return { outcome: result.duplicate ? 'duplicate' : 'started', operationId: result.operation.id, target: result.operation.targetKey };
}

export interface ExplicitRestoreRequest {
  blobUrl: string;
  /** a rule to take the target and options from, or: */
  rule?: string;
  target?: { instance: string; database: string };
  onExisting?: 'fail' | 'replace' | 'swap';
  verify?: 'none' | 'verifyonly' | 'checkdb';
  requestedBy: string;
}

/** POST /api/restores: a restore of a blob already in a configured container. */
export async function restoreFromRequest(engine: OperationEngine, estate: Estate, request: ExplicitRestoreRequest, eTag: string): Promise<StartResult> {
  const located = locateBlob(request.blobUrl, estate.backupContainers);
  if (!located) throw new AppError('BAD_REQUEST', `${request.blobUrl.split('?')[0]} is not in a configured backup container`);
  const blob: BlobCreated = {
    eventId: 'api',
    eventTime: new Date().toISOString(),
    storageAccount: '',
    container: located.container,
    blobPath: located.blobPath,
    url: request.blobUrl.split('?')[0],
    eTag,
    sequencer: 'api',
    contentLength: 1,
    api: 'api',
  };
  let input: RestoreInput;
  if (request.rule) {
    const rule = estate.restoreRules.find((r) => r.name.toLowerCase() === request.rule?.toLowerCase());
    if (!rule) throw new AppError('BAD_REQUEST', `there is no restore rule named ${request.rule}`);
    const built = inputFromRule({ ...estate, restoreRules: [{ ...rule, enabled: true }] }, blob);
    if ('ignored' in built) throw new AppError('BAD_REQUEST', built.ignored.message);
    input = built.input;
  } else {
    if (!request.target) throw new AppError('BAD_REQUEST', 'name a rule, or a target with instance and database');
    const instance = estate.instances.find((i) => i.name.toLowerCase() === request.target?.instance.toLowerCase());
    if (!instance) throw new AppError('BAD_REQUEST', `there is no instance named ${request.target.instance}`);
    const problem = databaseNameProblem(request.target.database);
    if (problem) throw new AppError('BAD_REQUEST', `target database: ${problem}`);
    input = {
      container: located.container.name,
      blobPath: located.blobPath,
      blobUrl: blob.url,
      blobKey: blobEventKey(blob),
      captures: {},
      target: { instance: instance.name, database: request.target.database },
      onExisting: request.onExisting ?? 'fail',
      verify: request.verify ?? 'verifyonly',
      postRestoreScripts: [],
      validateRowCounts: true,
      stripeTimeoutMinutes: 1,
      keepPreviousCopies: 0,
      requestedBy: request.requestedBy,
    };
  }
  input.requestedBy = request.requestedBy;
  // an explicit request is its own intent: asking twice restores twice
  return engine.start({ kind: RESTORE_KIND, targetKey: targetKeyOf(input), input, createdBy: request.requestedBy });
}
