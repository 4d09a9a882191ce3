// The app refuses to start when an invocation may outlive its operation's lease plus grace: a
// step the host cuts off could then still be running when another worker takes the operation over.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engineSettings, parseTimeSpan, readHostLimits } from '../../../shared/platform/hostLimits';

function appWith(host: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'host-'));
  writeFileSync(path.join(dir, 'host.json'), JSON.stringify(host));
  return dir;
}

test("the repository's host.json is safe with the default lease", () => {
  const limits = readHostLimits(path.resolve(__dirname, '..', '..', '..'), {});
  expect(limits).toEqual({ functionTimeoutMs: 300_000, maxDequeueCount: 5 });
  expect(engineSettings({}, limits)).toEqual({ leaseMs: 240_000, leaseGraceMs: 120_000, maxDequeueCount: 5, invocationBudgetMs: 60_000 });
});

test('a function timeout not below lease + grace is refused with what to change', () => {
  const limits = readHostLimits(appWith({ functionTimeout: '00:10:00' }), {});
  expect(() => engineSettings({}, limits)).toThrow(
    'the function timeout (host.json functionTimeout) is 10 min, not below the operation lease (4 min) plus its grace (2 min): a step cut off by the timeout could still be running when another worker takes its operation over. Set functionTimeout below that, or raise OPS_LEASE_SECONDS / OPS_LEASE_GRACE_SECONDS',
  );
  // raising the lease makes it safe
  expect(engineSettings({ OPS_LEASE_SECONDS: '480', OPS_LEASE_GRACE_SECONDS: '180' }, limits)).toMatchObject({ leaseMs: 480_000, leaseGraceMs: 180_000 });
});

test('no functionTimeout means the platform default (30 minutes), and -1 (unbounded) is refused', () => {
  expect(readHostLimits(appWith({}), {}).functionTimeoutMs).toBe(1_800_000);
  expect(() => engineSettings({}, readHostLimits(appWith({}), {}))).toThrow(/is 30 min, not below/);
  expect(() => engineSettings({}, readHostLimits(appWith({ functionTimeout: '-1' }), {}))).toThrow(/is unbounded \(-1\), not below/);
});

test('app-setting overrides win over host.json, as in the Functions host', () => {
  const limits = readHostLimits(appWith({ functionTimeout: '00:10:00', extensions: { queues: { maxDequeueCount: 5 } } }), {
    AzureFunctionsJobHost__functionTimeout: '00:00:40',
    AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '3',
  });
  expect(limits).toEqual({ functionTimeoutMs: 40_000, maxDequeueCount: 3 });
  // a short timeout also shortens how long one invocation keeps starting steps
  expect(engineSettings({ OPS_LEASE_SECONDS: '30', OPS_LEASE_GRACE_SECONDS: '15' }, limits)).toEqual({ leaseMs: 30_000, leaseGraceMs: 15_000, maxDequeueCount: 3, invocationBudgetMs: 20_000 });
});

test('bad values are refused by name', () => {
  expect(() => parseTimeSpan('10 minutes')).toThrow("functionTimeout '10 minutes' is not a time span like 00:05:00");
  expect(() => engineSettings({ OPS_LEASE_SECONDS: 'soon' }, { functionTimeoutMs: 1000, maxDequeueCount: 5 })).toThrow("app setting OPS_LEASE_SECONDS is 'soon'; it must be a positive number of seconds");
  expect(parseTimeSpan('1.00:00:00')).toBe(86_400_000);
});
