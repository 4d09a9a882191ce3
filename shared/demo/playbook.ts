// A harmless three-step playbook: it proves the engine end to end (tests, the benchmark, and a
// smoke test of a fresh deployment) without touching a database.
// Its one side effect, a marker row per operation, is written only after looking for it first:
// the pattern every real step follows.
import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { catalogEntry } from '../errorCatalog';
import { AppError, type ErrorCode } from '../errors';
import { definePlaybook, type Playbook } from '../ops/playbook';
import { next, succeed, wait } from '../ops/types';

export const DEMO_KIND = 'demo';

const demoInput = z.strictObject({
  /** how long the middle step waits, in milliseconds */
  waitMs: z.number().int().min(0).max(3_600_000).default(0),
  /** fail the last step with this code (to rehearse failure handling) */
  failWith: z
    .string()
    .refine((code): code is ErrorCode => catalogEntry(code) !== undefined, 'not an error code of the catalog')
    .optional(),
});

const demoState = z.strictObject({
  markedAt: z.string(),
  waited: z.boolean().optional(),
});

export interface DemoEffects {
  /** how often the side effect really happened, per operation (the test's witness) */
  applied: Map<string, number>;
}

export function demoPlaybook(markers: TableClient, effects?: DemoEffects): Playbook {
  return definePlaybook({
    kind: DEMO_KIND,
    input: demoInput,
    state: demoState,
    firstStep: 'mark',
    defaultDeadlineMs: 60 * 60_000,
    steps: {
      // Step 1: a side effect, done once even if this step runs twice.
      async mark(ctx) {
        const id = ctx.operation.id;
        let exists = false;
        if (ctx.attempt > 1) {
          try {
            await markers.getEntity('marker', id);
            exists = true;
          } catch (err) {
            if ((err as { statusCode?: number }).statusCode !== 404) throw err;
          }
        }
        if (!exists) {
          try {
            await markers.createEntity({ partitionKey: 'marker', rowKey: id, at: ctx.now.toISOString() });
            effects?.applied.set(id, (effects.applied.get(id) ?? 0) + 1);
          } catch (err) {
            if ((err as { statusCode?: number }).statusCode !== 409) throw err;
          }
        }
        return next('pause', { markedAt: ctx.now.toISOString() });
      },
      // Step 2: waits once (a real playbook polls a restore like this), then moves on.
      async pause(ctx) {
        const state = ctx.stepState ?? { markedAt: ctx.now.toISOString() };
        if (ctx.input.waitMs > 0 && !state.waited) return wait(ctx.input.waitMs, `demo pause of ${ctx.input.waitMs} ms`, { ...state, waited: true });
        await ctx.progress(66, 'paused');
        return next('finish', state);
      },
      async finish(ctx) {
        if (ctx.input.failWith) throw new AppError(ctx.input.failWith, `demo operation asked to fail with ${ctx.input.failWith}`);
        return succeed({ markedAt: ctx.stepState?.markedAt, steps: 3 });
      },
    },
  });
}
