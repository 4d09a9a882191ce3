// The body of POST /api/restores, checked before anything is looked up.
import { z } from 'zod';

export const restoreRequestBody = z.strictObject({
  blobUrl: z.string().url(),
  rule: z.string().optional(),
  target: z.strictObject({ instance: z.string().min(1), database: z.string().min(1) }).optional(),
  onExisting: z.enum(['fail', 'replace', 'swap']).optional(),
  verify: z.enum(['none', 'verifyonly', 'checkdb']).optional(),
  requestedBy: z.string().min(1).default('api'),
});
