// GET /api/dashboard: the operations dashboard (a static page that polls the API). Anonymous: the
// page holds no data and no secret, and every API call it makes still needs the function key, so a
// wrong or missing key gets a page that explains where to find it instead of an empty 401.
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { dashboardHeaders, dashboardHtml } from '../shared/dashboard/page';

export async function dashboard(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  return { status: 200, headers: dashboardHeaders(), body: dashboardHtml() };
}

app.http('dashboard', { route: 'dashboard', methods: ['GET'], authLevel: 'anonymous', handler: dashboard });
