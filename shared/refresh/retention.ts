// The refresh's own backups are kept for their job's keepBackupsHours after they were written, then
// deleted by the retention timer (a bounded number per run). Only the app's own folder of each job
// is looked at: a user's backups are never touched.
import type { BackupContainerConfig, Estate } from '../config/schema';
import { APP_BACKUP_PREFIX } from '../events/blobCreated';
import type { BackupContainer } from '../storage/backupContainer';

/** Deletes up to `limit` backup blobs of refresh jobs older than their job's keepBackupsHours; how many went. */
export async function purgeRefreshBackups(estate: Estate, containerOf: (config: BackupContainerConfig) => BackupContainer, now: Date, limit: number): Promise<number> {
  let deleted = 0;
  for (const job of estate.refreshJobs) {
    const config = estate.backupContainers.find((c) => c.name.toLowerCase() === job.container.toLowerCase());
    if (!config) continue;
    const container = containerOf(config);
    const cutoff = now.getTime() - job.keepBackupsHours * 3600_000;
    for (const blob of await container.list(`${APP_BACKUP_PREFIX}refresh/${job.name}/`)) {
      if (deleted >= limit) return deleted;
      if (blob.lastModified.getTime() >= cutoff) continue;
      await container.client.deleteBlob(blob.path).catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
      deleted++;
    }
  }
  return deleted;
}
