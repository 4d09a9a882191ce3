// Timer triggers: runOnStartup, the NCRONTAB schedule (6 fields, UTC), one run at a time, and
// isPastDue when a run outlasts the interval so the next occurrence is run late.
import { recorder } from '../../fixtures/hostApp/recorder';
import { startHarness, HostHarness, waitFor } from './hostHarness';

let h: HostHarness;
let startedAt: number;

beforeAll(async () => {
  startedAt = Date.now();
  h = await startHarness({ values: { 'AzureWebJobs.flaky.Disabled': 'true', 'AzureWebJobs.alwaysFails.Disabled': 'true' } });
});

afterAll(async () => {
  await h?.stop();
});

it('describes the timer with its schedule', () => {
  expect(h.host.functions.find((f) => f.name === 'tick')).toEqual({ name: 'tick', triggerType: 'timerTrigger', description: 'timer */1 * * * * *' });
});

it('runs on startup, then on schedule, never overlapping, with isPastDue after a run that outlasted the interval', async () => {
  await waitFor('five timer runs', () => recorder.timerCalls.length >= 5, 30_000);
  const calls = recorder.timerCalls.slice(0, 5);
  expect(calls[0].at).toBeGreaterThanOrEqual(startedAt);
  // The startup run and the on-time run are not past due; the one after the slow run is.
  expect(calls[0].isPastDue).toBe(false);
  expect(calls[1].isPastDue).toBe(false);
  expect(calls[2].isPastDue).toBe(true);
  expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(recorder.slowTimerMs);
  expect(calls[3].isPastDue).toBe(false);
  expect(recorder.timerMaxConcurrent).toBe(1);
  // Occurrences are whole UTC seconds ("*/1" in the seconds field), with the schedule status the host sends.
  for (const call of calls) {
    expect(call.next).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(Date.parse(String(call.next))).toBeGreaterThan(Date.parse(String(call.last)));
  }
  const executed = h.logs.filter((l) => /^Executed 'Functions\.tick' \(Succeeded, Id=/.test(l.message));
  expect(executed.length).toBeGreaterThanOrEqual(5);
  expect(h.logs.some((l) => /^Executing 'Functions\.tick' \(Reason='Timer fired at /.test(l.message))).toBe(true);
});

it('stop() waits for a running timer invocation and no run starts afterwards', async () => {
  recorder.slowTimerCall = recorder.timerCalls.length + 1;
  recorder.slowTimerMs = 800;
  await waitFor('the slow run to start', () => recorder.timerConcurrent === 1, 10_000);
  await h.host.stop();
  expect(recorder.timerConcurrent).toBe(0);
  const count = recorder.timerCalls.length;
  await new Promise((r) => setTimeout(r, 1500));
  expect(recorder.timerCalls.length).toBe(count);
});
