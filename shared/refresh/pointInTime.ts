// The ARM point-in-time restore a managed-instance-to-managed-instance refresh uses, over the ARM
// client: the target's region read first (the PUT names it), the poller state saved by the step.
import type { ArmResolver } from '../arm/fromSettings';
import type { RefreshDeps } from './playbook';

export function pointInTimeFrom(resolve: ArmResolver): NonNullable<RefreshDeps['pointInTime']> {
  return {
    async start(targetArmId, database, sourceDatabaseId, restorePointInTime) {
      const ref = resolve(targetArmId);
      const mi = await ref.client.getManagedInstance(ref.resourceGroup, ref.name);
      return ref.client.startPointInTimeRestore(ref.resourceGroup, ref.name, database, { location: mi.location, sourceDatabaseId, restorePointInTime });
    },
    async poll(state) {
      const r = await resolve(state.resourceId.split('/databases/')[0]).client.pollOnce(state);
      return { done: r.done, state: r.state, retryAfterMs: r.retryAfterMs, error: r.error && { message: r.error.message, armCode: r.error.armCode } };
    },
  };
}
