// Turning a committed backup blob (from an event or an API call) into a restore operation.
import { randomUUID } from 'node:crypto';
import type { BackupContainerConfig, Estate } from '../config/schema';
import { blobEventKey, BlobCreated, checkBlobCreatedEvent, locateBlob } from '../events/blobCreated';
import { AppError } from '../errors';
import { operationIdFor, type OperationEngine, type StartResult } from '../ops/engine';
import { isTerminal } from '../ops/types';
import { blobVersionKey, type BlobClaims } from './claims';
import { protectionOf, protectionVerdict } from './protection';
import { backupSetKey, conventionalStripePattern } from './stripeSet';
import { backupsArrivedFor, targetKeyOf } from './deps';
import { RESTORE_KIND, RestoreInput } from './input';
import { databaseNameProblem, matchRule } from './ruleMatch';

export type EventOutcome =
  | { outcome: 'started' | 'duplicate'; operationId: string; target: string }
  | { outcome: 'ignored'; reason: string; message: string };

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
      eTag: blob.eTag,
      pathPattern: rule.pathPattern,
      captures: Object.fromEntries(Object.entries(captures).filter((e): e is [string, string] => typeof e[1] === 'string')),
      target: { instance: rule.target.instance, database: targetDatabase },
      onExisting: rule.onExisting,
      allowProductionTarget: rule.allowProductionTarget,
      explicit: false,
      verify: rule.verify,
      postRestoreScripts: rule.postRestoreScripts,
      validateRowCounts: rule.validation.rowCounts,
      stripeTimeoutMinutes: rule.stripeTimeoutMinutes,
      keepPreviousCopies: rule.keepPreviousCopies,
      requestedBy: `event ${blob.eventId}`,
    },
  };
}

/**
 * One BlobCreated event: validated, matched to a rule, deduplicated, started. One operation per
 * backup: when the blob is a stripe of a backup that already has its operation (or one that a
 * restore already covered), the event is recorded on that operation as a signal, and wakes it if
 * it waits for stripes.
 */
export async function restoreFromEvent(engine: OperationEngine, estate: Estate, event: unknown, claims: BlobClaims): Promise<EventOutcome> {
  const verdict = checkBlobCreatedEvent(event, estate.backupContainers);
  if (!verdict.accepted) return { outcome: 'ignored', reason: verdict.reason, message: verdict.message };
  const built = inputFromRule(estate, verdict.blob);
  if ('ignored' in built) return { outcome: 'ignored', ...built.ignored };
  const { input } = built;
  const targetKey = targetKeyOf(input);
  const note = `BlobCreated ${input.blobPath} (${verdict.blob.api}, event ${verdict.blob.eventId})`;
  const setKey = backupSetKey(input.pathPattern, input.blobPath);
  if (setKey) {
    // a stripe of a backup: the operation its first stripe started is the one for every stripe
    const claim = await claims.claimedBy(targetKey, blobVersionKey(input.blobUrl, input.eTag ?? ''));
    if (claim && !claim.unrestored) {
      await engine.signal(claim.operationId, note);
      await backupArrived(engine, targetKey);
      return { outcome: 'duplicate', operationId: claim.operationId, target: targetKey };
    }
    const candidate = operationIdFor(RESTORE_KIND, input.blobKey, new Date());
    const isOpen = async (id: string, reservedAt: Date): Promise<boolean> => {
      const op = await engine.get(id);
      // not created yet: another event is creating it right now, unless that was long ago (it crashed)
      return op ? !isTerminal(op.state) : Date.now() - reservedAt.getTime() < 60_000;
    };
    const owner = await claims.reserveSet(targetKey, setKey, candidate, isOpen);
    if (!owner.mine) {
      await engine.signal(owner.operationId, note);
      await backupArrived(engine, targetKey);
      return { outcome: 'duplicate', operationId: owner.operationId, target: targetKey };
    }
  }
  const result = await engine.start({ kind: RESTORE_KIND, targetKey, input, idempotencyKey: input.blobKey, createdBy: input.requestedBy, duplicateNote: `${note}, delivered again` });
  await backupArrived(engine, targetKey);
  return { outcome: result.duplicate ? 'duplicate' : 'started', operationId: result.operation.id, target: result.operation.targetKey };
}

/**
 * Restores of this target that wait for backups (stripes, a log waiting for the full it starts
 * from, a log in between) look now rather than at their next poll: this blob may be what they wait
 * for. A failed signal only means they look at their next poll (RESTORE_POLL_MS).
 */
async function backupArrived(engine: OperationEngine, targetKey: string): Promise<void> {
  await engine.notify(backupsArrivedFor(targetKey)).catch(() => undefined);
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

/**
 * POST /api/restores: a restore of a blob already in a configured container. An explicit request
 * is its own intent: asking again restores again, even a blob an earlier restore covered, and a
 * production target is refused here, before anything is created, unless a rule allows it.
 */
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
    sequencer: `api-${randomUUID()}`,
    contentLength: 1,
    api: 'api',
  };
  let input: RestoreInput;
  if (request.rule) {
    const rule = estate.restoreRules.find((r) => r.name.toLowerCase() === request.rule?.toLowerCase());
    if (!rule) throw new AppError('BAD_REQUEST', `there is no restore rule named ${request.rule}`);
    const built = inputFromRule({ ...estate, restoreRules: [{ ...rule, enabled: true }] }, blob);
    if ('ignored' in built) throw new AppError('BAD_REQUEST', built.ignored.message);
    input = { ...built.input, onExisting: request.onExisting ?? built.input.onExisting, verify: request.verify ?? built.input.verify };
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
      eTag,
      // the other stripes of a backup named by convention (…_1of3.bak), as a rule would find them
      pathPattern: conventionalStripePattern(located.blobPath),
      captures: {},
      target: { instance: instance.name, database: request.target.database },
      onExisting: request.onExisting ?? 'fail',
      allowProductionTarget: false,
      explicit: true,
      verify: request.verify ?? 'verifyonly',
      postRestoreScripts: [],
      validateRowCounts: true,
      stripeTimeoutMinutes: 5,
      keepPreviousCopies: 0,
      requestedBy: request.requestedBy,
    };
  }
  input = { ...input, explicit: true, requestedBy: request.requestedBy };
  const verdict = protectionVerdict(protectionOf(estate, input.target.instance, input.target.database), {
    onExisting: input.onExisting,
    allowProductionTarget: input.allowProductionTarget,
    target: `${input.target.instance}/${input.target.database}`,
    what: `the restore of ${located.blobPath}`,
  });
  if (!verdict.allowed) throw new AppError('TARGET_PROTECTED', verdict.message);
  return engine.start({ kind: RESTORE_KIND, targetKey: targetKeyOf(input), input, createdBy: request.requestedBy });
}

/**
 * Another playbook's restore (an offline failback, a refresh's staging copy): the blob (the first
 * stripe of a striped backup) restored to an explicit target under a new name, never over a
 * database (onExisting fail). Its operation id.
 */
export async function restoreForPlaybook(
  engine: OperationEngine,
  estate: Estate,
  eTagOf: (container: BackupContainerConfig, blobPath: string) => Promise<string | undefined>,
  blobUrl: string,
  target: { instance: string; database: string },
  requestedBy: string,
): Promise<string> {
  const located = locateBlob(blobUrl, estate.backupContainers);
  if (!located) throw new AppError('CONTAINER_UNKNOWN', `${blobUrl.split('?')[0]} is not in a configured backup container`);
  const eTag = await eTagOf(located.container, located.blobPath);
  if (eTag === undefined) throw new AppError('BACKUP_NOT_FOUND', `${blobUrl.split('?')[0]} does not exist`);
  const r = await restoreFromRequest(engine, estate, { blobUrl, target, onExisting: 'fail', verify: 'none', requestedBy }, eTag);
  return r.operation.id;
}
