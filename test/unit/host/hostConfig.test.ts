import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hostSettingsFrom, parseTimeSpan, readHostJson } from '../../../local/host/hostJson';
import { authorizeFunction, authorizeSystem, completeKeys } from '../../../local/host/keys';
import { resolveEntryFiles } from '../../../local/host/loader';
import { applySettingsToEnv, ensureLocalSettings, parseBlobEvents, readLocalSettings } from '../../../local/host/settings';

describe('host.json', () => {
  it('parses .NET TimeSpans', () => {
    expect(parseTimeSpan('00:00:30', 'x')).toBe(30_000);
    expect(parseTimeSpan('01:02:03', 'x')).toBe(3_723_000);
    expect(parseTimeSpan('1.00:00:00', 'x')).toBe(86_400_000);
    expect(parseTimeSpan('00:00:00.250', 'x')).toBe(250);
    expect(() => parseTimeSpan('30s', 'x')).toThrow(/TimeSpan/);
  });

  it('reads the repository host.json queue settings', () => {
    const settings = readHostJson(path.join(__dirname, '..', '..', '..'));
    expect(settings.queues).toEqual({
      batchSize: 16,
      newBatchThreshold: 8,
      maxDequeueCount: 5,
      visibilityTimeoutMs: 30_000,
      maxPollingIntervalMs: 2_000,
      messageEncoding: 'base64',
    });
    expect(settings.routePrefix).toBe('api');
    expect(settings.functionTimeoutMs).toBe(300_000);
  });

  it('takes the host defaults for absent settings and refuses invalid ones', () => {
    expect(hostSettingsFrom({}).queues).toEqual({
      batchSize: 16,
      newBatchThreshold: 8,
      maxDequeueCount: 5,
      visibilityTimeoutMs: 0,
      maxPollingIntervalMs: 60_000,
      messageEncoding: 'base64',
    });
    expect(hostSettingsFrom({ extensions: { http: { routePrefix: '/v1/' } } }).routePrefix).toBe('v1');
    expect(() => hostSettingsFrom({ extensions: { queues: { batchSize: 64 } } })).toThrow(/batchSize/);
    expect(() => hostSettingsFrom({ extensions: { queues: { messageEncoding: 'utf7' } } })).toThrow(/messageEncoding/);
  });
});

describe('local settings', () => {
  it('creates local.settings.json from the sample only when it is absent, and reads Values, port and keys', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'host-settings-'));
    writeFileSync(
      path.join(dir, 'local.settings.sample.json'),
      JSON.stringify({
        IsEncrypted: false,
        Values: { A: 'x', N: 3, FUNCTIONS_MASTER_KEY: 'm', FUNCTIONS_KEY_getItem: 'k', LOCAL_BLOB_EVENTS: 'backups,more=>backupUploaded' },
        Host: { LocalHttpPort: 7072 },
      }),
    );
    expect(ensureLocalSettings(dir)).toBe(true);
    expect(ensureLocalSettings(dir)).toBe(false);
    expect(JSON.parse(readFileSync(path.join(dir, 'local.settings.json'), 'utf8'))).toMatchObject({ Values: { A: 'x' } });
    const settings = readLocalSettings(dir);
    expect(settings.values).toMatchObject({ A: 'x', N: '3' });
    expect(settings.port).toBe(7072);
    expect(settings.keys).toEqual({ master: 'm', functionDefault: undefined, functions: { getitem: 'k' }, eventGridExtension: undefined });
    expect(settings.blobEvents).toEqual([{ containers: ['backups', 'more'], functionName: 'backupUploaded' }]);
    expect(settings.blobEventsConnection).toBe('AzureWebJobsStorage');
  });

  it('refuses to create settings without a sample', () => {
    expect(() => ensureLocalSettings(mkdtempSync(path.join(tmpdir(), 'host-settings-')))).toThrow(/local.settings.sample.json/);
  });

  it('puts Values into the environment without overriding variables already set', () => {
    const env: NodeJS.ProcessEnv = { KEEP: 'env' };
    applySettingsToEnv({ values: { KEEP: 'settings', NEW: 'settings' }, keys: { functions: {} }, blobEvents: [], blobEventsConnection: 'AzureWebJobsStorage' }, env);
    expect(env).toEqual({ KEEP: 'env', NEW: 'settings' });
  });

  it('parses blob event routes and refuses malformed ones', () => {
    expect(parseBlobEvents('a=>f; b , c => g')).toEqual([
      { containers: ['a'], functionName: 'f' },
      { containers: ['b', 'c'], functionName: 'g' },
    ]);
    expect(parseBlobEvents(undefined)).toEqual([]);
    expect(() => parseBlobEvents('justacontainer')).toThrow(/container1,container2=>functionName/);
  });
});

describe('keys', () => {
  const keys = { master: 'M', functionDefault: 'D', functions: { getitem: 'F' }, eventGridExtension: 'E' };

  it('checks auth levels as the host does', () => {
    expect(authorizeFunction('anonymous', 'getItem', undefined, keys)).toBe(true);
    expect(authorizeFunction('function', 'getItem', 'F', keys)).toBe(true);
    expect(authorizeFunction('function', 'GETITEM', 'F', keys)).toBe(true);
    expect(authorizeFunction('function', 'other', 'F', keys)).toBe(false);
    expect(authorizeFunction('function', 'other', 'D', keys)).toBe(true);
    expect(authorizeFunction('function', 'other', 'M', keys)).toBe(true);
    expect(authorizeFunction('function', 'other', undefined, keys)).toBe(false);
    expect(authorizeFunction('admin', 'other', 'D', keys)).toBe(false);
    expect(authorizeFunction('admin', 'other', 'M', keys)).toBe(true);
    expect(authorizeSystem('E', keys.eventGridExtension, keys)).toBe(true);
    expect(authorizeSystem('M', keys.eventGridExtension, keys)).toBe(true);
    expect(authorizeSystem('D', keys.eventGridExtension, keys)).toBe(false);
  });

  it('generates the keys that are not configured, different each time', () => {
    const a = completeKeys({ functions: {} });
    const b = completeKeys({ functions: {} });
    expect(a.generated).toEqual(['master', 'default', 'eventgrid_extension']);
    expect(a.keys.master).toMatch(/^[\w-]{40}$/);
    expect(a.keys.master).not.toBe(b.keys.master);
    expect(completeKeys(keys).generated).toEqual([]);
  });
});

describe('entry files', () => {
  it('expands the package.json main glob relative to the app root, sorted', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'host-app-'));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: 'dist/functions/*.js' }));
    expect(() => resolveEntryFiles(dir)).toThrow(/matches no file/);
    const fixture = path.join(__dirname, '..', '..', 'fixtures', 'hostApp');
    expect(resolveEntryFiles(fixture).map((f) => path.relative(fixture, f))).toEqual([
      path.join('functions', 'eventGridFunctions.ts'),
      path.join('functions', 'httpFunctions.ts'),
      path.join('functions', 'queueFunctions.ts'),
      path.join('functions', 'timerFunctions.ts'),
    ]);
  });
});
