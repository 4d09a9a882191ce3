// Timer (each minute): every enabled refresh job whose NCRONTAB slot (in its time zone) is due
// starts one run; a run missed while the app was down runs once. All logic is in shared/refresh.
import { app, InvocationContext, Timer } from '@azure/functions';
import { getRuntime } from '../shared/runtime';

export async function refreshScheduler(_timer: Timer, context: InvocationContext): Promise<void> {
  const { runDueJobs } = await import('../shared/refresh/start');
  const { platform, engine, refresh } = await getRuntime();
  const estate = await platform.estate.load();
  for (const r of await runDueJobs(engine, refresh.runs, estate, new Date())) {
    const o = r.outcome;
    context.log(`refresh ${r.job}, slot ${r.slot}${r.missed > 1 ? ` (${r.missed - 1} earlier slots missed: run once)` : ''}: ${o.started ? `operation ${o.operation.id}${o.duplicate ? ' (already started)' : ''}` : o.reason === 'running' ? `waits for the open run ${o.by ?? ''} to end (a job runs once at a time; this slot runs once after it)` : `not started: ${o.message}`}`);
  }
}

app.timer('refreshScheduler', { schedule: '0 */1 * * * *', runOnStartup: false, handler: refreshScheduler });
