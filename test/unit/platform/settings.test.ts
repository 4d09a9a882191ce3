// The app's whole-number tuning settings: unset or blank is the default, anything else must be a
// whole number in range, or the app stops with the setting, its value and what it must be.
import { failoverPollMs } from '../../../shared/failover/feature';
import { collectOptions, historyDays } from '../../../shared/link/feature';
import { retentionDays } from '../../../shared/platform/retention';
import { wholeNumberSetting } from '../../../shared/platform/settings';
import { restorePollMs } from '../../../shared/restore/feature';

const range = { fallback: 8, min: 1, max: 64, unit: 'instances' };

test('unset or blank: the fallback; in range: the value', () => {
  expect(wholeNumberSetting({}, 'N', range)).toBe(8);
  expect(wholeNumberSetting({ N: '  ' }, 'N', range)).toBe(8);
  expect(wholeNumberSetting({ N: '1' }, 'N', range)).toBe(1);
  expect(wholeNumberSetting({ N: ' 64 ' }, 'N', range)).toBe(64);
});

test.each(['0', '65', '1.5', 'eight', '-3'])("'%s' is refused with the setting, its value and what it must be", (raw) => {
  expect(() => wholeNumberSetting({ N: raw }, 'N', range)).toThrow(
    expect.objectContaining({ code: 'CONFIGURATION_INVALID', message: `app setting N is '${raw}'; it must be a whole number of instances from 1 to 64 (default 8)` }),
  );
});

test("each feature's setting: its default, and its message for a bad value", () => {
  expect([failoverPollMs({}), restorePollMs({}), retentionDays({}), historyDays({})]).toEqual([2_000, 15_000, 30, 14]);
  expect(collectOptions({})).toEqual({ budgetMs: 20_000, callTimeoutMs: 10_000, concurrency: 8 });
  expect(collectOptions({ LINK_SWEEP_BUDGET_SECONDS: '5' }).callTimeoutMs).toBe(5_000);
  expect(() => failoverPollMs({ FAILOVER_POLL_MS: '50' })).toThrow("app setting FAILOVER_POLL_MS is '50'; it must be a whole number of milliseconds from 100 to 60000 (default 2000)");
  expect(() => restorePollMs({ RESTORE_POLL_MS: 'x' })).toThrow("app setting RESTORE_POLL_MS is 'x'; it must be a whole number of milliseconds from 100 to 3600000 (default 15000)");
  expect(() => retentionDays({ RETENTION_DAYS: '0' })).toThrow("app setting RETENTION_DAYS is '0'; it must be a whole number of days from 1 to 3650 (default 30)");
  expect(() => historyDays({ LINK_HISTORY_DAYS: '366' })).toThrow("app setting LINK_HISTORY_DAYS is '366'; it must be a whole number of days from 1 to 365 (default 14)");
  expect(() => collectOptions({ LINK_SWEEP_CONCURRENCY: '65' })).toThrow("app setting LINK_SWEEP_CONCURRENCY is '65'; it must be a whole number of instances from 1 to 64 (default 8)");
});
