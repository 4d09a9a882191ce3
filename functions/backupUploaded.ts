// Event Grid trigger: Microsoft.Storage.BlobCreated (Event Grid schema or CloudEvents) on a
// backups container. Validates the event, matches a restore rule, starts one restore per
// backup; what matches nothing is counted and logged with the reason.
import { app, EventGridEvent, InvocationContext } from '@azure/functions';
import { getRuntime } from '../shared/runtime';

export async function backupUploaded(event: EventGridEvent, context: InvocationContext): Promise<void> {
  const { platform, engine, restore } = await getRuntime();
  const { restoreFromEvent } = await import('../shared/restore/start');
  const estate = await platform.estate.load();
  const result = await restoreFromEvent(engine, estate, event, restore.claims);
  if (result.outcome === 'ignored') {
    await platform.counters.add(`ignored:${result.reason}`);
    context.log(`event ${String((event as { id?: unknown }).id)} ignored (${result.reason}): ${result.message}`);
    return;
  }
  await platform.counters.add(result.outcome);
  context.log(
    result.outcome === 'started'
      ? `restore ${result.operationId} started for ${result.target}`
      : `event recorded on restore ${result.operationId} (delivered again, or another stripe of its backup)`,
  );
}

app.eventGrid('backupUploaded', { handler: backupUploaded });
