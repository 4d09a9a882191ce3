// GET /api/links, /api/links/{name}, /api/links/{name}/history, /api/links/{name}/decisions (function key): every link's health
// as the monitor last saw it, one link's last sample per database, and a link's samples over time.
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { LinkConfig } from '../shared/config/schema';
import { AppError } from '../shared/errors';
import { badRequest, errorResponse, ok, routeId } from '../shared/http';
import type { StoredHealth } from '../shared/link/store';
import { invocationLogger } from '../shared/platform/logger';
import { getRuntime } from '../shared/runtime';

const HOUR_MS = 3600_000;
const MAX_RANGE_MS = 31 * 24 * HOUR_MS;

function summary(link: LinkConfig, stored: StoredHealth | undefined): Record<string, unknown> {
  const r = stored?.record;
  const sides = { sqlServer: link.sqlServer.instance, managedInstance: link.managedInstance.instance, expectedPrimary: link.primary };
  if (!r) return { name: link.name, ...sides, state: 'unknown', message: 'not sampled yet: the first sweep runs within LINK_HEALTH_SCHEDULE (a minute by default)', reasons: [] };
  const m = r.metrics;
  return {
    name: link.name,
    ...sides,
    state: r.state,
    since: r.since,
    message: r.message,
    reasons: r.reasons,
    observed: r.observed,
    sampledAt: r.sampledAt,
    roles: m.roles,
    primary: m.primary,
    lagSeconds: m.lagSeconds,
    rpoSeconds: m.rpoSeconds,
    rtoSeconds: m.rtoSeconds,
    logSendQueueKb: m.logSendQueueKb,
    redoQueueKb: m.redoQueueKb,
    notes: r.notes,
    confirmationDueAt: stored?.confirmDueAt,
  };
}

async function linkNamed(name: string): Promise<LinkConfig> {
  const { platform } = await getRuntime();
  const estate = await platform.estate.load();
  const link = estate.links.find((l) => l.name.toLowerCase() === name.toLowerCase());
  if (!link) throw new AppError('LINK_NOT_FOUND', `the estate has no link named '${name}' (it has ${estate.links.map((l) => l.name).join(', ') || 'none'})`);
  return link;
}

/** `?lagMinutes=60`: each link also carries its lag over that many minutes, from the history (the dashboard's charts). */
export async function listLinks(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const raw = request.query.get('lagMinutes');
    const lagMinutes = raw === null ? 0 : Number(raw);
    if (!Number.isInteger(lagMinutes) || lagMinutes < 0 || lagMinutes > 1440) return badRequest('lagMinutes must be a whole number of minutes from 0 to 1440');
    const { platform, links } = await getRuntime();
    const estate = await platform.estate.load();
    const stored = new Map((await links.store.list()).map((s) => [s.record.link.toLowerCase(), s]));
    const views = estate.links.map((l) => summary(l, stored.get(l.name.toLowerCase())));
    if (lagMinutes > 0) {
      const to = new Date();
      const from = new Date(to.getTime() - lagMinutes * 60_000);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < estate.links.length) {
          const i = next++;
          const page = await links.store.historyPage(estate.links[i].name, from, to, 1000);
          views[i].lag = page.points.map((p) => ({ at: p.at, lagSeconds: p.lagSeconds ?? null, state: p.state }));
        }
      };
      await Promise.all(Array.from({ length: Math.min(16, estate.links.length) }, worker));
    }
    return ok({ links: views });
  } catch (err) {
    return errorResponse(err);
  }
}

export async function getLink(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const name = routeId(request.params.name, 'link name');
    if ('response' in name) return name.response;
    const link = await linkNamed(name.id);
    const { links } = await getRuntime();
    const stored = await links.store.get(link.name);
    return ok({ ...summary(link, stored), databases: stored?.record.metrics.perDatabase ?? [], thresholds: link.health });
  } catch (err) {
    return errorResponse(err);
  }
}

function instant(raw: string | null, what: string, fallback: Date): Date | string {
  if (raw === null || raw.trim() === '') return fallback;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? `${what} '${raw}' is not a date and time (use ISO 8601, e.g. 2026-12-05T10:00:00Z)` : new Date(ms);
}

export async function linkHistory(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const name = routeId(request.params.name, 'link name');
    if ('response' in name) return name.response;
    const now = new Date();
    const to = instant(request.query.get('to'), 'to', now);
    if (typeof to === 'string') return badRequest(to);
    const from = instant(request.query.get('from'), 'from', new Date(to.getTime() - HOUR_MS));
    if (typeof from === 'string') return badRequest(from);
    if (from.getTime() >= to.getTime()) return badRequest(`from (${from.toISOString()}) must be before to (${to.toISOString()})`);
    if (to.getTime() - from.getTime() > MAX_RANGE_MS) return badRequest('ask for at most 31 days at a time');
    const limitRaw = request.query.get('limit');
    const limit = limitRaw === null ? 500 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return badRequest('limit must be a whole number from 1 to 1000');
    const continuation = request.query.get('continuation') ?? undefined;
    if (continuation !== undefined && !/^\d{15}-\d{12}$/.test(continuation)) return badRequest('continuation is not one this API gave');
    const link = await linkNamed(name.id);
    const { links } = await getRuntime();
    const page = await links.store.historyPage(link.name, from, to, limit, continuation);
    return ok({ link: link.name, from: from.toISOString(), to: to.toISOString(), samples: page.points, continuation: page.continuation });
  } catch (err) {
    return errorResponse(err);
  }
}

/** GET /api/links/{name}/decisions?limit=50: every failover decision of the link, newest first, "nothing" included. */
export async function linkDecisions(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const name = routeId(request.params.name, 'link name');
    if ('response' in name) return name.response;
    const limitRaw = request.query.get('limit');
    const limit = limitRaw === null ? 50 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return badRequest('limit must be a whole number from 1 to 500');
    const link = await linkNamed(name.id);
    const { failover } = await getRuntime();
    const decisions = await failover.intake(invocationLogger(context)).decisions(link.name, limit);
    return ok({ link: link.name, policy: link.failover, decisions });
  } catch (err) {
    return errorResponse(err);
  }
}

app.http('listLinks', { route: 'links', methods: ['GET'], authLevel: 'function', handler: listLinks });
app.http('getLink', { route: 'links/{name}', methods: ['GET'], authLevel: 'function', handler: getLink });
app.http('linkHistory', { route: 'links/{name}/history', methods: ['GET'], authLevel: 'function', handler: linkHistory });
app.http('linkDecisions', { route: 'links/{name}/decisions', methods: ['GET'], authLevel: 'function', handler: linkDecisions });
