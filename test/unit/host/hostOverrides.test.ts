// App settings named AzureFunctionsJobHost__<path> override host.json values, as the Functions host
// reads them (local.settings.json Values or the environment, the environment winning).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyHostOverrides, hostOverridesIn, readHostJson } from '../../../local/host/hostJson';
import { applySettingsToEnv, settingsFromValues } from '../../../local/host/settings';

function appWith(hostJson: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'host-overrides-'));
  writeFileSync(path.join(dir, 'host.json'), JSON.stringify(hostJson));
  return dir;
}

const HOST_JSON = {
  version: '2.0',
  functionTimeout: '00:05:00',
  extensions: { queues: { batchSize: 16, maxDequeueCount: 5, visibilityTimeout: '00:00:30', messageEncoding: 'base64' } },
};

describe('AzureFunctionsJobHost__ overrides', () => {
  it('finds the override settings, with __ or : between the parts, and nothing else', () => {
    expect(
      hostOverridesIn({
        AzureFunctionsJobHost__functionTimeout: '00:00:50',
        'AzureFunctionsJobHost:extensions:queues:batchSize': '4',
        azurefunctionsjobhost__extensions__http__routePrefix: 'v1',
        AzureFunctionsJobHost: 'not a path',
        OPS_LEASE_SECONDS: '40',
        UNSET: undefined,
      }),
    ).toEqual([
      { setting: 'AzureFunctionsJobHost:extensions:queues:batchSize', path: 'extensions.queues.batchSize', value: '4' },
      { setting: 'AzureFunctionsJobHost__functionTimeout', path: 'functionTimeout', value: '00:00:50' },
      { setting: 'azurefunctionsjobhost__extensions__http__routePrefix', path: 'extensions.http.routePrefix', value: 'v1' },
    ]);
  });

  it('replaces host.json values case-insensitively and creates the sections it needs, without touching the original', () => {
    const overridden = applyHostOverrides(HOST_JSON, hostOverridesIn({ AzureFunctionsJobHost__FUNCTIONTIMEOUT: '00:00:50', AzureFunctionsJobHost__extensions__Queues__maxDequeueCount: '3', AzureFunctionsJobHost__extensions__http__routePrefix: 'v1' }));
    expect(overridden).toEqual({
      version: '2.0',
      functionTimeout: '00:00:50',
      extensions: { queues: { batchSize: 16, maxDequeueCount: '3', visibilityTimeout: '00:00:30', messageEncoding: 'base64' }, http: { routePrefix: 'v1' } },
    });
    expect(HOST_JSON.functionTimeout).toBe('00:05:00');
  });

  it('readHostJson honours them: the timeout, the queue settings as numbers, and -1 as unbounded', () => {
    const app = appWith(HOST_JSON);
    const settings = readHostJson(app, {
      AzureFunctionsJobHost__functionTimeout: '00:00:50',
      AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '3',
      AzureFunctionsJobHost__extensions__queues__visibilityTimeout: '00:00:10',
      AzureFunctionsJobHost__extensions__queues__batchSize: '4',
    });
    expect(settings.functionTimeoutMs).toBe(50_000);
    expect(settings.queues).toMatchObject({ maxDequeueCount: 3, visibilityTimeoutMs: 10_000, batchSize: 4, newBatchThreshold: 2 });
    expect(readHostJson(app).functionTimeoutMs).toBe(300_000);
    expect(readHostJson(app, { AzureFunctionsJobHost__functionTimeout: '-1' }).functionTimeoutMs).toBeUndefined();
  });

  it('names the override when its value is not valid', () => {
    const app = appWith(HOST_JSON);
    expect(() => readHostJson(app, { AzureFunctionsJobHost__functionTimeout: '50 seconds' })).toThrow(
      'host.json functionTimeout "50 seconds" is not a TimeSpan like "00:00:30" (with the app-setting overrides AzureFunctionsJobHost__functionTimeout=50 seconds)',
    );
    expect(() => readHostJson(app, { AzureFunctionsJobHost__extensions__queues__maxDequeueCount: 'many' })).toThrow(/maxDequeueCount must be a number \(with the app-setting overrides/);
  });

  it('takes local.settings.json Values and the environment, the environment winning, as the host does', () => {
    const app = appWith(HOST_JSON);
    const env: NodeJS.ProcessEnv = { AzureFunctionsJobHost__functionTimeout: '00:00:20' };
    applySettingsToEnv(settingsFromValues({ AzureFunctionsJobHost__functionTimeout: '00:00:50', AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '2' }), env);
    const settings = readHostJson(app, env);
    expect(settings.functionTimeoutMs).toBe(20_000);
    expect(settings.queues.maxDequeueCount).toBe(2);
  });

  it('the repository sample settings make the local host time out within the local lease plus grace', () => {
    const root = path.join(__dirname, '..', '..', '..');
    const sample = JSON.parse(readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
    const settings = readHostJson(root, sample.Values);
    const guardMs = (Number(sample.Values.OPS_LEASE_SECONDS) + Number(sample.Values.OPS_LEASE_GRACE_SECONDS)) * 1000;
    expect(settings.functionTimeoutMs).toBe(50_000);
    expect(settings.functionTimeoutMs).toBeLessThan(guardMs);
    expect(guardMs).toBe(55_000);
  });
});
