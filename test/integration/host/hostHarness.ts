// Starts a private Azurite and the local host on the fixture app (test/fixtures/hostApp), with
// known keys, on free ports; collects the host's log lines.
import path from 'node:path';
import { startAzurite, AzuriteInstance } from '../../helpers/azurite';
import { HostLogEntry, LocalHost, settingsFromValues, startLocalHost, BlobWatchSettings } from '../../../local/host';

export const FIXTURE_APP = path.join(__dirname, '..', '..', 'fixtures', 'hostApp');

export const KEYS = {
  master: 'test-master-key',
  hostDefault: 'test-host-default-key',
  getItem: 'test-getitem-key',
  eventGrid: 'test-eventgrid-extension-key',
};

export interface HostHarness {
  azurite: AzuriteInstance;
  host: LocalHost;
  logs: HostLogEntry[];
  stop(): Promise<void>;
}

export async function startHarness(options: { values?: Record<string, string>; blobWatch?: BlobWatchSettings | false } = {}): Promise<HostHarness> {
  const azurite = await startAzurite();
  const logs: HostLogEntry[] = [];
  try {
    const host = await startLocalHost({
      appRoot: FIXTURE_APP,
      port: 0,
      env: {},
      log: (entry) => logs.push(entry),
      blobWatch: options.blobWatch ?? false,
      settings: settingsFromValues({
        AzureWebJobsStorage: azurite.connectionString,
        DOOMED_QUEUE: 'doomed-items',
        FUNCTIONS_MASTER_KEY: KEYS.master,
        FUNCTIONS_DEFAULT_KEY: KEYS.hostDefault,
        FUNCTIONS_KEY_getItem: KEYS.getItem,
        FUNCTIONS_EVENTGRID_KEY: KEYS.eventGrid,
        ...options.values,
      }),
    });
    return {
      azurite,
      host,
      logs,
      stop: async () => {
        await host.stop();
        await azurite.stop();
      },
    };
  } catch (err) {
    await azurite.stop();
    throw err;
  }
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
