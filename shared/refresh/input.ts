// What a refresh run is asked to do (the job as it was when the run started: editing the estate
// mid-run changes nothing under it) and what its steps keep between them.
import { z } from 'zod';
import { isPollerState, type PollerState } from '../arm/poller';
import { sanitizeScriptSchema } from '../config/schema';

export const REFRESH_KIND = 'refresh';

const endpoint = z.object({ instance: z.string().min(1), database: z.string().min(1) });

export const refreshInputSchema = z.object({
  job: z.string().min(1),
  /** the schedule slot (ISO time) or manual:<time> */
  slot: z.string().min(1),
  requestedBy: z.string().min(1),
  source: endpoint,
  target: endpoint,
  container: z.string().min(1),
  /** inline T-SQL, or a path beside the estate: read once, by the checks, and kept with the operation */
  sanitizeScripts: z.array(sanitizeScriptSchema),
  keepPreviousCopies: z.number().int().min(0),
  rowCountTolerancePercent: z.number().min(0),
  sessionGraceSeconds: z.number().int().min(0),
  /**
   * the run's slot as yyyymmddThhmmssfffZ (UTC, with milliseconds: two manual runs of one second
   * differ): names its backup, its staging copy and the old copy
   */
  stamp: z.string().regex(/^\d{8}T\d{6}(\d{3})?Z$/),
});

export type RefreshInput = z.infer<typeof refreshInputSchema>;

const phase = z.object({ name: z.string(), startedAt: z.string(), endedAt: z.string().optional() });
const check = z.object({ code: z.string(), ok: z.boolean(), message: z.string() });

export const refreshStateSchema = z.object({
  checks: z.array(check),
  phases: z.array(phase),
  staging: z.string(),
  backup: z.object({ urls: z.array(z.string()), job: z.string(), done: z.boolean() }).optional(),
  restoreOperationId: z.string().optional(),
  /** managed instance to managed instance: the ARM point-in-time restore in flight, and its point */
  pitr: z.custom<PollerState>((v) => isPollerState(v), 'not a saved ARM poller').optional(),
  pointInTime: z.string().optional(),
  /** [script, batch] done so far */
  sanitized: z.object({ script: z.number().int(), batch: z.number().int() }).optional(),
  scriptMessages: z.array(z.string()).optional(),
  alwaysEncrypted: z.array(z.string()).optional(),
  validation: z.object({ tables: z.number().int(), differences: z.array(z.string()) }).optional(),
  /** where each sanitizing script was read from (the texts are kept in the operation's data) */
  scriptsFrom: z.array(z.string()).optional(),
  /** orphaned users of the staging copy: re-mapped to the login of their name, or left as they are */
  users: z.object({ remapped: z.array(z.string()), orphaned: z.array(z.string()), failed: z.array(z.string()) }).optional(),
  /** the swap: the old copy's new name once renamed, and whether the staging copy is in place */
  oldCopy: z.string().optional(),
  swapped: z.boolean().optional(),
  sessionsSince: z.string().optional(),
  /** the server-side job already looked at once after it started (the next look waits the full poll) */
  lookedAt: z.string().optional(),
  dropped: z.array(z.string()).optional(),
});

export type RefreshState = z.infer<typeof refreshStateSchema>;

export const refreshTargetKey = (input: Pick<RefreshInput, 'target'>): string => `${input.target.instance}/${input.target.database}`.toLowerCase();

/** 2026-12-06T08:36:01.123Z -> 20261206T083601123Z */
export function stampOf(d: Date): string {
  return d.toISOString().replace(/[-:.]/g, '');
}
