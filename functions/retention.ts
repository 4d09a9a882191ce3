// Timer (hourly): deletes finished operations, their audit rows, events, claims and data older
// than RETENTION_DAYS (default 30), in bounded batches.
import { app, InvocationContext, Timer } from '@azure/functions';
import { invocationLogger } from '../shared/platform/logger';
import { runRetention } from '../shared/platform/retention';
import { getRuntime } from '../shared/runtime';

export async function retention(_timer: Timer, context: InvocationContext): Promise<void> {
  const runtime = await getRuntime();
  const r = await runRetention(runtime, new Date(), invocationLogger(context));
  context.log(
    `retention (before ${r.cutoff}): ${r.deleted} operations deleted, ${r.keptOpen} old but open kept, ${r.failed} kept after an error; ${r.events} events and ${r.featureRecords} cached records deleted`,
  );
}

app.timer('retention', { schedule: '0 17 * * * *', runOnStartup: false, handler: retention });
