// GET /api/refreshes: every refresh job with its last run and next run; POST /api/refreshes/{job}/run
// runs a job now; POST /api/refreshes/{job}/pause and /resume (function key).
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { deciderOf, errorResponse, jsonObjectBody, ok, routeId } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { publicView } from './operationsApi';

export async function listRefreshes(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { nextRun } = await import('../shared/refresh/schedule');
    const { platform, engine, refresh } = await getRuntime();
    const estate = await platform.estate.load();
    const states = new Map((await refresh.runs.list()).map((s) => [s.job.toLowerCase(), s]));
    const now = new Date();
    const kindOf = (name: string): string | undefined => estate.instances.find((i) => i.name.toLowerCase() === name.toLowerCase())?.kind;
    const jobs = await Promise.all(
      estate.refreshJobs.map(async (job) => {
        const state = states.get(job.name.toLowerCase());
        const op = state?.lastRun ? await engine.get(state.lastRun.operationId) : undefined;
        const ended = op && ['succeeded', 'failed', 'cancelled'].includes(op.state) ? op.updatedAt : undefined;
        return {
          name: job.name,
          schedule: job.schedule,
          timeZone: job.timeZone,
          enabled: job.enabled,
          paused: state?.paused ?? false,
          source: `${job.source.instance}/${job.source.database}`,
          target: `${job.target.instance}/${job.target.database}`,
          copy: kindOf(job.source.instance) === 'managedInstance' && kindOf(job.target.instance) === 'managedInstance' ? 'pointInTime' : 'backup',
          nextRun: job.enabled && !state?.paused ? nextRun(job, now) : undefined,
          lastRun: state?.lastRun && {
            slot: state.lastRun.slot,
            operationId: state.lastRun.operationId,
            state: op?.state ?? 'unknown',
            startedAt: state.lastRun.startedAt,
            endedAt: ended,
            durationSeconds: ended ? Math.round((new Date(ended).getTime() - new Date(state.lastRun.startedAt).getTime()) / 1000) : undefined,
            error: op?.error,
          },
        };
      }),
    );
    return ok({ refreshes: jobs });
  } catch (err) {
    return errorResponse(err);
  }
}

export async function runRefresh(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const name = routeId(request.params.job, 'refresh job name');
    if ('response' in name) return name.response;
    const json = await jsonObjectBody(request, '{"by": "ana"}');
    if ('response' in json) return json.response;
    const [{ findJob, startRefresh }, { manualSlot }] = await Promise.all([import('../shared/refresh/start'), import('../shared/refresh/runStore')]);
    const { platform, engine, refresh } = await getRuntime();
    const job = findJob(await platform.estate.load(), name.id);
    const who = deciderOf(request.headers, json.body) ?? { name: 'api', selfDeclared: true };
    const now = new Date();
    const r = await startRefresh(engine, refresh.runs, job, manualSlot(now), who.selfDeclared ? `${who.name} (self-declared)` : who.name, now);
    if (!r.started) return { status: 409, jsonBody: { error: { code: r.reason === 'running' ? 'REFRESH_RUNNING' : 'REFRESH_NOT_STARTED', message: r.message, operationId: r.by } } };
    return ok(publicView(r.operation), 202);
  } catch (err) {
    return errorResponse(err);
  }
}

export async function pauseRefresh(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const name = routeId(request.params.job, 'refresh job name');
    if ('response' in name) return name.response;
    const { findJob } = await import('../shared/refresh/start');
    const { platform, refresh } = await getRuntime();
    const job = findJob(await platform.estate.load(), name.id);
    const state = await refresh.runs.setPaused(job.name, request.params.action === 'pause');
    return ok({ name: job.name, paused: state.paused });
  } catch (err) {
    return errorResponse(err);
  }
}

app.http('listRefreshes', { route: 'refreshes', methods: ['GET'], authLevel: 'function', handler: listRefreshes });
app.http('runRefresh', { route: 'refreshes/{job}/run', methods: ['POST'], authLevel: 'function', handler: runRefresh });
app.http('pauseRefresh', { route: 'refreshes/{job}/{action:regex(^(pause|resume)$)}', methods: ['POST'], authLevel: 'function', handler: pauseRefresh });
