// What the link-health functions need when the host indexes them, apart from the monitor itself:
// the timer's schedule and the confirmation queue's name (light: no SDK client is loaded for them).
import type { Settings } from '../platform';

export const CONFIRM_QUEUE = 'linkconfirm';
export const DEFAULT_LINK_HEALTH_SCHEDULE = '0 */1 * * * *';

/** The sweep's timer schedule (LINK_HEALTH_SCHEDULE, NCRONTAB with seconds); every minute by default. */
export function linkHealthSchedule(settings: Settings): string {
  const raw = settings.LINK_HEALTH_SCHEDULE?.trim();
  return raw ? raw : DEFAULT_LINK_HEALTH_SCHEDULE;
}
