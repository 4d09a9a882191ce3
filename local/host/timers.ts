// Timer triggers as the host runs them: NCRONTAB schedules with seconds (6 fields, UTC) or a
// TimeSpan ("00:05:00"), `%Setting%` schedules resolved from app settings, `runOnStartup`, one
// run at a time per timer, and `isPastDue` set when an occurrence is run late (its time passed
// while the previous run was still going, or the process was stalled).
import { CronExpressionParser } from 'cron-parser';
import { parseTimeSpan } from './hostJson';
import type { Invoker } from './invoker';
import type { LoadedFunction } from './loader';

/** How late an occurrence may fire and still count as on time. */
const PAST_DUE_TOLERANCE_MS = 1000;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface Schedule {
  /** the first occurrence strictly after `after` */
  next(after: Date): Date;
  text: string;
}

export function resolveSetting(text: string, env: NodeJS.ProcessEnv): string {
  const m = /^%(.+)%$/.exec(text.trim());
  if (!m) return text;
  const value = env[m[1]];
  if (value === undefined) throw new Error(`timer schedule refers to app setting "${m[1]}", which is not set`);
  return value;
}

export function parseSchedule(text: string): Schedule {
  const trimmed = text.trim();
  if (/^(\d+\.)?\d{1,2}:\d{2}:\d{2}$/.test(trimmed)) {
    const every = parseTimeSpan(trimmed, 'schedule');
    if (every <= 0) throw new Error(`timer schedule "${text}" must be a positive interval`);
    return { text, next: (after) => new Date(after.getTime() + every) };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 6) throw new Error(`timer schedule "${text}" must be an NCRONTAB expression with 6 fields (second minute hour day month day-of-week)`);
  CronExpressionParser.parse(trimmed, { tz: 'UTC' }); // throws on a bad expression, at load time
  return {
    text,
    next: (after) => CronExpressionParser.parse(trimmed, { currentDate: after, tz: 'UTC' }).next().toDate(),
  };
}

interface ScheduleStatus {
  last: Date;
  next: Date;
  lastUpdated: Date;
}

function timerInfo(status: ScheduleStatus, isPastDue: boolean): string {
  // The shape the host sends (PascalCase); the library camel-cases it for the handler.
  return JSON.stringify({
    Schedule: { AdjustForDST: true },
    ScheduleStatus: { Last: status.last.toISOString(), Next: status.next.toISOString(), LastUpdated: status.lastUpdated.toISOString() },
    IsPastDue: isPastDue,
  });
}

/** Runs one timer-triggered function until stopped. */
export class TimerRunner {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private current?: Promise<void>;
  private last: Date;
  readonly schedule: Schedule;

  constructor(
    private readonly fn: LoadedFunction,
    private readonly invoker: Invoker,
    env: NodeJS.ProcessEnv,
  ) {
    this.schedule = parseSchedule(resolveSetting(String(fn.trigger.schedule ?? ''), env));
    this.last = new Date();
  }

  start(): void {
    if (this.fn.trigger.runOnStartup === true) {
      this.current = this.fire(new Date(), false).then(() => this.arm(this.schedule.next(new Date())));
    } else {
      this.arm(this.schedule.next(new Date()));
    }
  }

  private arm(due: Date): void {
    if (this.stopped) return;
    const wait = Math.min(Math.max(0, due.getTime() - Date.now()), MAX_TIMEOUT_MS);
    this.timer = setTimeout(() => {
      if (Date.now() < due.getTime()) return this.arm(due); // a long wait capped by setTimeout's limit
      this.current = this.onDue(due);
    }, wait);
  }

  private async onDue(due: Date): Promise<void> {
    const late = Date.now() - due.getTime() > PAST_DUE_TOLERANCE_MS;
    await this.fire(due, late);
    // Occurrences that passed during the run collapse into one immediate, past-due run.
    const following = this.schedule.next(due);
    if (!this.stopped && following.getTime() < Date.now()) await this.fire(following, true);
    this.arm(this.schedule.next(new Date(Math.max(Date.now(), due.getTime()))));
  }

  private async fire(at: Date, isPastDue: boolean): Promise<void> {
    if (this.stopped) return;
    const status: ScheduleStatus = { last: this.last, next: this.schedule.next(at), lastUpdated: new Date() };
    this.last = at;
    await this.invoker.invoke(this.fn, {
      triggerData: { json: timerInfo(status, isPastDue) },
      reason: `Timer fired at ${new Date().toISOString()}`,
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }
}
