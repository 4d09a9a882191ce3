// A managed instance's ARM resource id, read in one place: the estate check and the ARM client
// resolver agree on what a valid id is.
const MANAGED_INSTANCE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Sql\/managedInstances\/([^/]+)$/i;

export interface ManagedInstanceId {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/** undefined when `id` is not /subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Sql/managedInstances/{name} */
export function parseManagedInstanceId(id: string): ManagedInstanceId | undefined {
  const m = MANAGED_INSTANCE_ID.exec(id);
  return m ? { subscriptionId: m[1], resourceGroup: m[2], name: m[3] } : undefined;
}
