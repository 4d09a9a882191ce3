// What a failover operation is asked to do, and what its steps keep between them. The decision that
// started it travels with it: the estimate is on the operation before anything acts.
import { z } from 'zod';
import { isPollerState, type PollerState } from '../arm/poller';
import type { FailoverCheck } from './types';

export const FAILOVER_KIND = 'failover';
export const FAILOVER_TYPES = ['planned', 'forced', 'failback', 'offline-failback', 'cutover', 'split-brain-repair'] as const;
const side = z.enum(['sqlServer', 'managedInstance']);

export const estimateSchema = z.object({
  seconds: z.number(),
  basedOnSampleAt: z.string(),
  rpoSecondsAtSample: z.number(),
  sampleAgeSeconds: z.number(),
});

export const failoverInputSchema = z.object({
  link: z.string().min(1),
  type: z.enum(FAILOVER_TYPES),
  dryRun: z.boolean().default(false),
  requestedBy: z.string().min(1),
  /** the decision that started it */
  decision: z.object({ signalKey: z.string(), summary: z.string() }),
  /** a person decides before anything is changed (the policy, an estimate over budget, an unknown estimate) */
  approval: z.object({ reason: z.string(), timeoutMinutes: z.number().int().min(1).max(1440) }).optional(),
  estimate: estimateSchema.optional(),
  /** the alert (its id) whose Resolved withdraws a pending approval */
  incident: z.string().optional(),
  /** split-brain repair: the side that keeps the workload (the side a forced failover went to) */
  keep: side.optional(),
  /** locks beside the link's: the linked databases on both sides */
  databaseLocks: z.array(z.string()).default([]),
});

export type FailoverInput = z.infer<typeof failoverInputSchema>;

const check = z.object({ code: z.string(), ok: z.boolean(), message: z.string() });
const poller = z.custom<PollerState>((v) => isPollerState(v), 'not a saved ARM poller');

export const failoverStateSchema = z.object({
  plan: z.array(z.string()),
  checks: z.array(check),
  actions: z.array(z.object({ at: z.string(), what: z.string() })),
  estimate: estimateSchema.optional(),
  /** the side that is primary when the playbook starts, and the one it makes primary */
  from: side.optional(),
  to: side.optional(),
  /** the members' replica names in the distributed availability group (for MODIFY ... ON) */
  replicas: z.object({ sqlServer: z.string(), managedInstance: z.string() }).optional(),
  /** which sides were in asynchronous commit before the playbook switched them (cleanup puts them back) */
  asyncBefore: z.object({ sqlServer: z.boolean(), managedInstance: z.boolean() }).optional(),
  /** the ARM operation in flight and what it is */
  poller: poller.optional(),
  pollerFor: z.string().optional(),
  /** when a waiting step started waiting (its limit counts from there) */
  waitingSince: z.string().optional(),
  /** planned: since when the last hardened LSNs have matched, and the last ones read */
  matchedSince: z.string().optional(),
  lsns: z.array(z.object({ database: z.string(), sqlServer: z.string().optional(), managedInstance: z.string().optional() })).optional(),
  failoverIssuedAt: z.string().optional(),
  redirect: z.object({ fqdn: z.string(), previous: z.string().optional(), current: z.string(), changed: z.boolean() }).optional(),
  preserved: z.array(z.object({ database: z.string(), blobUrl: z.string(), firstLsn: z.string(), lastLsn: z.string() })).optional(),
  /** split-brain repair / offline failback: the backup blob per database, written by a server-side job */
  backups: z.array(z.object({ database: z.string(), blobUrl: z.string(), job: z.string(), done: z.boolean() })).optional(),
  restoreOperations: z.array(z.object({ database: z.string(), operationId: z.string() })).optional(),
  followUp: z.array(z.string()).optional(),
});

export type FailoverState = z.infer<typeof failoverStateSchema>;

export const linkTargetKey = (link: string): string => `link:${link.toLowerCase()}`;

export function emptyState(checks: FailoverCheck[] = [], plan: string[] = []): FailoverState {
  return { plan, checks, actions: [] };
}
