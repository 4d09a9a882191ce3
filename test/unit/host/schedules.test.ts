import { eventTimeOf, Sequencer } from '../../../local/host/blobWatcher';
import { parseSchedule, resolveSetting } from '../../../local/host/timers';

describe('timer schedules', () => {
  it('computes NCRONTAB occurrences with seconds, in UTC', () => {
    const every5Minutes = parseSchedule('0 */5 * * * *');
    expect(every5Minutes.next(new Date('2026-03-01T10:02:30Z')).toISOString()).toBe('2026-03-01T10:05:00.000Z');
    const weekdays9 = parseSchedule('0 30 9 * * 1-5');
    // 2026-03-07 is a Saturday: the next weekday 09:30 UTC is Monday the 9th.
    expect(weekdays9.next(new Date('2026-03-07T00:00:00Z')).toISOString()).toBe('2026-03-09T09:30:00.000Z');
    expect(parseSchedule('*/1 * * * * *').next(new Date('2026-03-01T10:00:00.400Z')).toISOString()).toBe('2026-03-01T10:00:01.000Z');
  });

  it('accepts TimeSpan schedules and refuses 5-field cron', () => {
    expect(parseSchedule('00:00:10').next(new Date('2026-03-01T10:00:00Z')).toISOString()).toBe('2026-03-01T10:00:10.000Z');
    expect(() => parseSchedule('*/5 * * * *')).toThrow(/6 fields/);
    expect(() => parseSchedule('0 99 * * * *')).toThrow();
  });

  it('resolves %Setting% schedules from app settings', () => {
    expect(resolveSetting('%SWEEP%', { SWEEP: '0 0 * * * *' })).toBe('0 0 * * * *');
    expect(resolveSetting('0 0 * * * *', {})).toBe('0 0 * * * *');
    expect(() => resolveSetting('%MISSING%', {})).toThrow(/MISSING/);
  });
});

describe('BlobCreated formatting', () => {
  it('formats eventTime with 7 fractional digits like Azure', () => {
    expect(eventTimeOf(new Date('2026-06-26T18:41:00.958Z'))).toBe('2026-06-26T18:41:00.9580000Z');
  });

  it('issues 32-hex-digit sequencers that increase by string comparison', () => {
    const seq = new Sequencer();
    const values = Array.from({ length: 50 }, () => seq.next());
    for (const v of values) expect(v).toMatch(/^[0-9a-f]{32}$/);
    for (let i = 1; i < values.length; i++) expect(values[i] > values[i - 1]).toBe(true);
  });
});
