// Collects one sample of every link: one DMV batch per instance that hosts links, and one ARM list
// of links per managed instance, read concurrently with a bound. Each call has a timeout and the
// whole collection a budget: an instance that does not answer in time makes its links unknown with
// the reason, and every other link is still sampled.
import type { ArmResolver } from '../arm/fromSettings';
import type { DistributedAvailabilityGroupInfo } from '../arm/types';
import type { InstanceConfig, LinkConfig } from '../config/schema';
import { within } from '../platform/timeLimit';
import { redactSecrets } from '../redact';
import type { SqlClient } from '../sql/pools';
import { readSnapshot, type InstanceSnapshot } from './snapshot';
import type { ArmLinkView, LinkSample, Unreachable } from './types';

export interface CollectDeps {
  sql(instance: InstanceConfig): SqlClient;
  arm?: ArmResolver;
}

export interface CollectOptions {
  /** instances read at once */
  concurrency: number;
  /** one call's limit */
  callTimeoutMs: number;
  /** the whole collection's limit */
  budgetMs: number;
}

export interface Collected {
  samples: LinkSample[];
  /** calls made, per kind: one per instance per kind, whatever the number of links */
  calls: { sql: number; arm: number };
  durationMs: number;
}

type Outcome<T> = T | Unreachable;

/** The reason a DBA reads beside an unknown link; never a secret (connection errors can carry one). */
const describeError = (err: unknown): string => redactSecrets(err instanceof Error ? err.message : String(err));

async function bounded(tasks: Array<() => Promise<void>>, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, worker));
}

export function armView(info: DistributedAvailabilityGroupInfo): ArmLinkView {
  return {
    replicationMode: info.replicationMode,
    instanceLinkRole: info.instanceLinkRole,
    partnerLinkRole: info.partnerLinkRole,
    databases: info.databases.map((d) => ({
      database: d.databaseName,
      replicaState: d.replicaState,
      synchronizationHealth: d.synchronizationHealth,
      connectedState: d.connectedState,
      mostRecentLinkError: d.mostRecentLinkError || undefined,
      seedingProgress: d.seedingProgress,
      certificateExpiry: d.partnerAuthCertValidity?.expiryDate?.toISOString(),
      instanceSendReplicationLagSeconds: d.instanceSendReplicationLagSeconds,
    })),
  };
}

/** Samples the given links (all of the estate's in a sweep, one in a confirmation). */
export async function collect(links: LinkConfig[], instances: InstanceConfig[], deps: CollectDeps, options: CollectOptions, now: () => Date = () => new Date()): Promise<Collected> {
  const started = now().getTime();
  const deadline = started + options.budgetMs;
  const byName = new Map(instances.map((i) => [i.name.toLowerCase(), i]));
  const sqlNames = new Set<string>();
  const armNames = new Set<string>();
  for (const link of links) {
    sqlNames.add(link.sqlServer.instance.toLowerCase());
    sqlNames.add(link.managedInstance.instance.toLowerCase());
    armNames.add(link.managedInstance.instance.toLowerCase());
  }
  const snapshots = new Map<string, Outcome<InstanceSnapshot>>();
  const armLists = new Map<string, Outcome<Map<string, ArmLinkView>> | undefined>();
  const calls = { sql: 0, arm: 0 };
  const tasks: Array<() => Promise<void>> = [];
  const remaining = (): number => Math.min(options.callTimeoutMs, deadline - now().getTime());

  for (const name of sqlNames) {
    const instance = byName.get(name);
    tasks.push(async () => {
      if (!instance) return void snapshots.set(name, { unreachable: `${name} is not an instance of the estate` });
      if (remaining() <= 0) return void snapshots.set(name, { unreachable: `not read: the sweep's ${options.budgetMs / 1000} s budget ran out first` });
      calls.sql += 1;
      try {
        snapshots.set(name, await within(readSnapshot(deps.sql(instance), remaining()), remaining(), instance.name));
      } catch (err) {
        snapshots.set(name, { unreachable: describeError(err) });
      }
    });
  }
  for (const name of armNames) {
    const instance = byName.get(name);
    tasks.push(async () => {
      if (!deps.arm || !instance?.armResourceId) return void armLists.set(name, undefined);
      if (remaining() <= 0) return void armLists.set(name, { unreachable: `not asked: the sweep's ${options.budgetMs / 1000} s budget ran out first` });
      calls.arm += 1;
      try {
        const ref = deps.arm(instance.armResourceId);
        const list = await within(ref.client.listLinks(ref.resourceGroup, ref.name), remaining(), `ARM (${instance.name}'s links)`);
        armLists.set(name, new Map(list.map((l) => [(l.distributedAvailabilityGroupName ?? l.name).toLowerCase(), armView(l)])));
      } catch (err) {
        armLists.set(name, { unreachable: describeError(err) });
      }
    });
  }
  await bounded(tasks, options.concurrency);

  const at = now().toISOString();
  const sideOf = (instance: string, dag: string): LinkSample['sqlServer'] => {
    const s = snapshots.get(instance.toLowerCase());
    if (!s) return { unreachable: `${instance} was not read` };
    if ('unreachable' in s) return s;
    return s.links.get(dag.toLowerCase()) ?? null;
  };
  const samples = links.map((link): LinkSample => {
    const dag = link.distributedAvailabilityGroup;
    const sqlSnapshot = snapshots.get(link.sqlServer.instance.toLowerCase());
    const armList = armLists.get(link.managedInstance.instance.toLowerCase());
    return {
      link: link.name,
      at,
      sqlServer: sideOf(link.sqlServer.instance, dag),
      sqlServerExtras: sqlSnapshot && !('unreachable' in sqlSnapshot) ? sqlSnapshot.extras : undefined,
      managedInstance: sideOf(link.managedInstance.instance, dag),
      arm: armList === undefined ? undefined : 'unreachable' in armList ? (armList as Unreachable) : (armList.get(dag.toLowerCase()) ?? null),
    };
  });
  return { samples, calls, durationMs: now().getTime() - started };
}
