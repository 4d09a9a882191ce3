// What a restore operation is asked to do. It is complete in itself: a rule changed while the
// restore runs does not change the running restore.
import { z } from 'zod';

export const RESTORE_KIND = 'restore';

export const restoreInputSchema = z.object({
  /** the rule that matched, or undefined for an explicit restore through the API */
  rule: z.string().optional(),
  container: z.string(),
  /** the blob that triggered the restore (any stripe or file of the set) */
  blobPath: z.string(),
  blobUrl: z.string(),
  /** the identity of the triggering blob version (url|eTag|sequencer) */
  blobKey: z.string(),
  /** the version of the blob this restore is for (absent on operations from older versions) */
  eTag: z.string().optional(),
  /** the rule's pattern: other files of the same backup are found with it; none = this file only */
  pathPattern: z.string().optional(),
  captures: z.record(z.string(), z.string()).default({}),
  target: z.object({ instance: z.string(), database: z.string() }),
  onExisting: z.enum(['fail', 'replace', 'swap']),
  /** the rule allows a production target (after an approval) */
  allowProductionTarget: z.boolean().default(false),
  /** asked for through the API: restore even a blob another operation restored already */
  explicit: z.boolean().default(false),
  verify: z.enum(['none', 'verifyonly', 'checkdb']),
  postRestoreScripts: z.array(z.string()).default([]),
  validateRowCounts: z.boolean().default(true),
  stripeTimeoutMinutes: z.number().default(120),
  keepPreviousCopies: z.number().int().min(0).default(0),
  requestedBy: z.string(),
});

export type RestoreInput = z.infer<typeof restoreInputSchema>;
