// The Log Replay Service as the restore playbook uses it: start into a new database from a staged
// folder, follow the start operation, read restoreDetails, and stop (delete the restoring database).
// Operation states are plain JSON the playbook keeps, so any later invocation carries on.
import { ArmError } from '../arm/errors';
import type { ArmResolver } from '../arm/fromSettings';
import type { PollerState } from '../arm/poller';
import type { RestoreDetails } from '../arm/types';

export interface LogReplayStart {
  /** the staged folder: https://account.blob.core.windows.net/container/folder */
  storageContainerUri: string;
  /** read + list, without '?' */
  sasToken: string;
  /** the file name (no folder) after which the service recovers the database by itself */
  lastBackupName: string;
}

export interface LogReplayPoll {
  done: boolean;
  state: PollerState;
  error?: ArmError;
}

export interface LogReplay {
  start(armResourceId: string, database: string, req: LogReplayStart): Promise<PollerState>;
  poll(state: PollerState): Promise<LogReplayPoll>;
  /** undefined when no Log Replay restore of that database exists */
  details(armResourceId: string, database: string): Promise<RestoreDetails | undefined>;
  /** stopping a Log Replay restore deletes the database it was restoring */
  stop(armResourceId: string, database: string): Promise<PollerState>;
}

const instanceIdOf = (resourceId: string): string => resourceId.replace(/\/databases\/[^/]+$/i, '');

export function logReplayFrom(resolve: ArmResolver): LogReplay {
  return {
    async start(armResourceId, database, req) {
      const { client, resourceGroup, name } = resolve(armResourceId);
      const { location } = await client.getManagedInstance(resourceGroup, name);
      return client.startLogReplay(resourceGroup, name, database, {
        location,
        storageContainerUri: req.storageContainerUri,
        auth: { kind: 'sas', sasToken: req.sasToken },
        autoComplete: { lastBackupName: req.lastBackupName },
      });
    },
    async poll(state) {
      const r = await resolve(instanceIdOf(state.resourceId)).client.pollOnce(state);
      return { done: r.done, state: r.state, error: r.error };
    },
    async details(armResourceId, database) {
      const { client, resourceGroup, name } = resolve(armResourceId);
      try {
        return await client.getRestoreDetails(resourceGroup, name, database);
      } catch (err) {
        if (err instanceof ArmError && err.statusCode === 404) return undefined;
        throw err;
      }
    },
    stop(armResourceId, database) {
      const { client, resourceGroup, name } = resolve(armResourceId);
      return client.startDeleteManagedDatabase(resourceGroup, name, database);
    },
  };
}
