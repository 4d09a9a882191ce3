// Timer (LINK_HEALTH_SCHEDULE, every minute by default): one sweep over every Managed Instance link
// of the estate. All logic is in shared/link.
import { app, InvocationContext, Timer } from '@azure/functions';
import { linkHealthSchedule } from '../shared/link/settings';
import { invocationLogger } from '../shared/platform/logger';
import { getRuntime } from '../shared/runtime';

export async function linkHealth(timer: Timer, context: InvocationContext): Promise<void> {
  const { links, failover } = await getRuntime();
  const log = invocationLogger(context);
  const intake = failover.intake(log);
  // every saved sample goes to the failover decision point, in process
  const r = await links.monitor(log, (record, transition) => intake.onHealth(record, transition)).sweep();
  if (timer.isPastDue) context.warn('linkHealth is running late');
  const states = Object.entries(r.states).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ');
  context.log(
    `link sweep: ${r.links} links (${states || 'none saved'}) in ${r.durationMs} ms (reading ${r.collectMs} ms, ${r.calls.sql} SQL and ${r.calls.arm} ARM calls); ${r.transitions.length} changed state; ${r.confirmationsQueued} confirmations queued; ${r.duplicates} samples already taken by another sweep`,
  );
  for (const t of r.transitions) context.log(`link ${t.link}: ${t.from ?? 'new'} -> ${t.to} (${t.reasons.join(', ') || 'no reasons'})`);
}

// the schedule is read when the app loads, as the host reads %SETTING% schedules: a default needs no setting
app.timer('linkHealth', { schedule: linkHealthSchedule(process.env), runOnStartup: false, handler: linkHealth });
