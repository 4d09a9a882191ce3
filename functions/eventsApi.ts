// GET /api/events (function key): recent outcome, progress and link health events, newest first, and today's
// counts of incoming events by outcome. Events are listed only when they go to the local table;
// with an Event Grid topic they are read there.
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { badRequest, errorResponse, ok } from '../shared/http';
import { getRuntime } from '../shared/runtime';

export async function listEvents(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const limit = Number(request.query.get('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return badRequest('limit must be a whole number from 1 to 500');
    const { platform } = await getRuntime();
    const events = platform.eventTable ? await platform.eventTable.recentAll(limit) : [];
    return ok({ events, counters: await platform.counters.today() });
  } catch (err) {
    return errorResponse(err);
  }
}

app.http('listEvents', { route: 'events', methods: ['GET'], authLevel: 'function', handler: listEvents });
