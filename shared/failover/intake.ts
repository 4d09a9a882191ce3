// Signals in, decisions out: a health change from the sweep, an alert an action group posted, a
// person's request. Each signal is decided once (the decision store's claim), the decision stored
// whatever it is, a failover operation started when it says act or await-approval (keyed by the
// signal, so a repeated delivery never starts a second), a Resolved alert withdraws an approval
// still pending for its incident, and the link's webhooks hear about it.
import { createHash } from 'node:crypto';
import { alertSignal, matchingRoutes, routeMismatch } from '../alerts/routes';
import type { CommonAlert } from '../alerts/commonAlertSchema';
import type { Estate, LinkConfig } from '../config/schema';
import { AppError } from '../errors';
import type { Logger } from '../ops/context';
import type { OperationEngine } from '../ops/engine';
import type { OperationRecord } from '../ops/types';
import type { LinkHealthStore, LinkHistoryPoint } from '../link/store';
import type { LinkHealthRecord } from '../link/types';
import type { Notification, WebhookNotifier } from '../notify/webhook';
import { decide } from './decide';
import type { DecisionStore } from './decisionStore';
import { FAILOVER_KIND, failoverInputSchema, linkTargetKey, type FailoverInput } from './input';
import type { FailoverOperationView, FailoverOutput, FailoverSignal, LinkSide, SignalSummary, StoredDecision } from './types';

export interface IntakeDeps {
  estate(): Promise<Estate>;
  health: LinkHealthStore;
  decisions: DecisionStore;
  engine(): OperationEngine;
  notifier?: WebhookNotifier;
  log: Logger;
  now(): Date;
}

export interface SignalOutcome {
  decision: StoredDecision;
  operation?: OperationRecord;
  duplicate: boolean;
}

export interface AlertOutcome {
  alertId: string;
  monitorCondition: string;
  /** one entry per route the alert took */
  routes: Array<{ route: string; link?: string; decision?: StoredDecision; operationId?: string; duplicate?: boolean; notified?: boolean }>;
  /** routes it did not take, and why */
  skipped: Array<{ route: string; why: string }>;
  /** approvals withdrawn by a Resolved alert */
  cancelled: string[];
}

function summarizeSignal(signal: FailoverSignal): SignalSummary {
  if (signal.kind === 'health') return { kind: 'health', description: `health ${signal.from ?? 'new'} -> ${signal.to} (sample v${signal.version})` };
  if (signal.kind === 'alert') return { kind: 'alert', description: `alert ${signal.alertRule || '(no rule)'} ${signal.monitorCondition} (${signal.severity}) via route ${signal.route}` };
  return { kind: 'manual', description: `${signal.type}${signal.dryRun ? ' dry run' : ''} asked by ${signal.by}` };
}

/** consecutive samples, newest first, that were unknown or broken */
function failingRun(history: LinkHistoryPoint[]): number {
  let n = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i].observed !== 'unknown' && history[i].observed !== 'broken') break;
    n++;
  }
  return n;
}

export function operationView(op: OperationRecord): FailoverOperationView | undefined {
  const input = failoverInputSchema.safeParse(op.input);
  if (!input.success) return undefined;
  return { id: op.id, type: input.data.type, state: op.state, createdAt: op.createdAt, endedAt: op.state === 'succeeded' || op.state === 'failed' || op.state === 'cancelled' ? op.updatedAt : undefined };
}

export class FailoverIntake {
  constructor(private readonly deps: IntakeDeps) {}

  private async linkOf(name: string): Promise<{ estate: Estate; link: LinkConfig }> {
    const estate = await this.deps.estate();
    const link = estate.links.find((l) => l.name.toLowerCase() === name.toLowerCase());
    if (!link) throw new AppError('LINK_NOT_FOUND', `no link named ${name} in the estate (links: ${estate.links.map((l) => l.name).join(', ') || 'none'})`);
    return { estate, link };
  }

  private async operationsOf(link: string): Promise<OperationRecord[]> {
    const page = await this.deps.engine().list({ kind: FAILOVER_KIND, targetKey: linkTargetKey(link), limit: 100 });
    return page.operations;
  }

  /** the side the newest successful forced failover made primary: the side a split-brain repair keeps */
  private keepSide(ops: OperationRecord[]): LinkSide | undefined {
    const forced = ops
      .filter((o) => o.state === 'succeeded' && operationView(o)?.type === 'forced')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    return (forced?.output as FailoverOutput | undefined)?.toSide;
  }

  /** One signal for one link: decided once, stored, acted on. */
  async onSignal(linkName: string, signal: FailoverSignal, extra: { incident?: string; keep?: LinkSide } = {}): Promise<SignalOutcome> {
    // one decision of a link at a time: each sees the operation the one before it started
    return this.deps.decisions.exclusive(linkName, () => this.decideAndAct(linkName, signal, extra));
  }

  private async decideAndAct(linkName: string, signal: FailoverSignal, extra: { incident?: string; keep?: LinkSide }): Promise<SignalOutcome> {
    const { estate, link } = await this.linkOf(linkName);
    const now = this.deps.now();
    const saved = await this.deps.health.get(link.name);
    const health = saved?.record;
    const history = (await this.deps.health.historyPage(link.name, new Date(now.getTime() - 3600_000), now, 200)).points;
    const ops = await this.operationsOf(link.name);
    const views = ops.map(operationView).filter((v): v is FailoverOperationView => v !== undefined);
    // the failing samples in a row (this one included for a health signal) count as signals
    const run = health?.runs.failing ?? failingRun(history);
    const priorSignals = signal.kind === 'health' ? Math.max(0, run - 1) : run;
    const decision = decide({ link, instances: estate.instances, health, history, operations: views, priorSignals, signal, now });
    const stored: StoredDecision = { ...decision, signal: summarizeSignal(signal), deliveries: 1 };
    const recorded = await this.deps.decisions.record(stored);
    let final = recorded.decision;
    let operation: OperationRecord | undefined;
    if (final.kind === 'act' || final.kind === 'await-approval') {
      // a repeated delivery re-asks with the same key: the engine answers with the same operation
      operation = await this.start(link, final, signal, { ...extra, keep: extra.keep ?? this.keepSide(ops) });
      if (final.operationId !== operation.id) final = (await this.deps.decisions.setOperation(link.name, final.signalKey, operation.id)) ?? { ...final, operationId: operation.id };
    }
    if (!recorded.duplicate) {
      this.deps.log.info(`failover decision: ${final.summary}`);
      if (final.kind !== 'none' || signal.kind === 'alert') await this.notify(estate, link, final, operation);
    }
    return { decision: final, operation, duplicate: recorded.duplicate };
  }

  private async start(link: LinkConfig, d: StoredDecision, signal: FailoverSignal, extra: { incident?: string; keep?: LinkSide }): Promise<OperationRecord> {
    if (!d.type) throw new AppError('OPERATION_STATE_INVALID', `decision ${d.signalKey} of ${link.name} asks to act but names no playbook`);
    const dbLocks = link.databases.flatMap((db) => [`${link.sqlServer.instance}/${db}`.toLowerCase(), `${link.managedInstance.instance}/${db}`.toLowerCase()]);
    const approvalReason =
      d.kind === 'await-approval'
        ? (d.reasons.find((r) => ['OVER_BUDGET', 'ESTIMATE_UNKNOWN', 'POLICY_APPROVAL'].includes(r.code))?.message ?? 'the policy asks a person first')
        : undefined;
    const input: FailoverInput = {
      link: link.name,
      type: d.type,
      dryRun: d.dryRun,
      requestedBy: signal.kind === 'manual' ? signal.by : `${signal.kind} signal ${d.signalKey}`,
      decision: { signalKey: d.signalKey, summary: d.summary },
      approval: approvalReason ? { reason: approvalReason, timeoutMinutes: link.failover.approvalTimeoutMinutes } : undefined,
      estimate: d.estimate,
      incident: extra.incident,
      keep: extra.keep,
      databaseLocks: d.dryRun ? [] : dbLocks,
    };
    const r = await this.deps.engine().start({
      kind: FAILOVER_KIND,
      targetKey: d.dryRun ? `${linkTargetKey(link.name)}/dry-run` : linkTargetKey(link.name),
      input,
      idempotencyKey: `${link.name.toLowerCase()}|${d.signalKey}`,
      createdBy: input.requestedBy,
      duplicateNote: `signal ${d.signalKey} delivered again`,
    });
    return r.operation;
  }

  /** A health sample the sweep saved: decided when it changes something a failover cares about. */
  async onHealth(record: LinkHealthRecord, transition: { from: LinkHealthRecord['state'] | undefined; to: LinkHealthRecord['state'] } | undefined): Promise<SignalOutcome | undefined> {
    const failing = record.state === 'broken' || record.state === 'unknown';
    // while failing, each sample is a signal until the policy's count is reached; after that only changes
    if (!transition && !(failing && record.observed === record.state)) return undefined;
    // only a sample that may matter loads the estate (most samples of a healthy link do not)
    const { link } = await this.linkOf(record.link);
    if (!transition && (record.runs.failing ?? 0) > link.failover.consecutiveSignals) return undefined;
    return this.onSignal(link.name, { kind: 'health', from: transition?.from ?? record.state, to: record.state, version: record.version });
  }

  /** An alert from an action group: every route it takes decides for its link. */
  async onAlert(alert: CommonAlert): Promise<AlertOutcome> {
    const estate = await this.deps.estate();
    const outcome: AlertOutcome = { alertId: alert.alertId, monitorCondition: alert.monitorCondition, routes: [], skipped: [], cancelled: [] };
    const taken = matchingRoutes(alert, estate.alertRoutes);
    for (const r of estate.alertRoutes) if (!taken.includes(r)) outcome.skipped.push({ route: r.name, why: routeMismatch(alert, r) ?? 'did not match' });
    for (const route of taken) {
      if (!route.link) {
        // a notify-only route without a link: the alert goes to its webhook as it is
        const notified = route.webhookSetting ? await this.send(route.webhookSetting, { kind: 'decision', id: `alert:${alert.alertId}:${alert.monitorCondition}:${route.name}`.toLowerCase(), link: '', summary: `alert ${alert.alertRule || '(no rule)'} ${alert.monitorCondition}: ${alert.summary}`, at: this.deps.now().toISOString(), detail: alert }) : false;
        outcome.routes.push({ route: route.name, notified });
        continue;
      }
      const signal = alertSignal(alert, route);
      const r = await this.onSignal(route.link, signal, { incident: alert.alertId });
      outcome.routes.push({ route: route.name, link: route.link, decision: r.decision, operationId: r.operation?.id, duplicate: r.duplicate });
      if (alert.monitorCondition === 'Resolved') outcome.cancelled.push(...(await this.withdraw(route.link, alert.alertId)));
    }
    return outcome;
  }

  /** cancels the operations of an incident that still wait for an approval */
  private async withdraw(link: string, alertId: string): Promise<string[]> {
    const cancelled: string[] = [];
    for (const op of await this.operationsOf(link)) {
      const input = failoverInputSchema.safeParse(op.input);
      if (!input.success || input.data.incident?.toLowerCase() !== alertId.toLowerCase()) continue;
      // only before anything was changed: an operation past its approval goes on
      const pending = op.state === 'awaiting-approval' || ((op.state === 'pending' || op.state === 'running' || op.state === 'waiting') && op.step === 'check' && !op.approval?.decision);
      if (!pending) continue;
      await this.deps.engine().cancel(op.id, `alert ${alertId}`, 'the alert that asked for it is resolved').then(
        () => cancelled.push(op.id),
        (err: Error) => this.deps.log.warn(`failover operation ${op.id} not withdrawn: ${err.message}`),
      );
    }
    return cancelled;
  }

  private async notify(estate: Estate, link: LinkConfig, d: StoredDecision, operation: OperationRecord | undefined): Promise<void> {
    const settings = new Set<string>();
    for (const r of estate.alertRoutes) {
      if (!r.webhookSetting) continue;
      if (r.link ? r.link.toLowerCase() === link.name.toLowerCase() : r.action === 'notify') settings.add(r.webhookSetting);
    }
    const kind: Notification['kind'] = d.kind === 'await-approval' ? 'approval-needed' : 'decision';
    for (const s of settings) {
      await this.send(s, { kind, id: `${link.name}|${d.signalKey}`.toLowerCase(), link: link.name, summary: d.summary, at: d.decidedAt, detail: { decision: d, operationId: operation?.id } });
    }
  }

  private async send(setting: string, n: Notification): Promise<boolean> {
    if (!this.deps.notifier) return false;
    const r = await this.deps.notifier.send(setting, n);
    if (!r.delivered) this.deps.log.warn(`notification ${n.kind} for ${n.link || 'an alert'} not delivered to ${setting}: ${r.error ?? `HTTP ${r.status}`}`);
    return r.delivered;
  }

  /** a failover's outcome, to the link's webhooks */
  async notifyOutcome(linkName: string, summary: string, detail: unknown): Promise<void> {
    const { estate, link } = await this.linkOf(linkName);
    for (const r of estate.alertRoutes) {
      if (!r.webhookSetting) continue;
      if (r.link ? r.link.toLowerCase() !== link.name.toLowerCase() : r.action !== 'notify') continue;
      const id = `${link.name}|outcome|${createHash('sha256').update(summary).digest('hex').slice(0, 16)}`.toLowerCase();
      await this.send(r.webhookSetting, { kind: 'outcome', id, link: link.name, summary, at: this.deps.now().toISOString(), detail });
    }
  }

  decisions(link: string, limit: number): Promise<StoredDecision[]> {
    return this.deps.decisions.list(link, limit);
  }
}

