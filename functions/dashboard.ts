// GET /api/dashboard: the operations dashboard (a static page that polls the API).
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { dashboardHtml } from '../shared/dashboard/page';

export async function dashboard(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: dashboardHtml() };
}

app.http('dashboard', { route: 'dashboard', methods: ['GET'], authLevel: 'function', handler: dashboard });
