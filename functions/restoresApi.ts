// POST /api/restores (function key): restore a blob that is already in a configured container,
// by a rule or to an explicit target.
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { badRequest, errorResponse, jsonObjectBody, ok } from '../shared/http';
import { locateBlob } from '../shared/events/blobCreated';
import { getRuntime } from '../shared/runtime';
import { publicView } from './operationsApi';

export async function startRestore(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const json = await jsonObjectBody(request, '{"blobUrl": "...", "rule": "..."} or {"blobUrl": "...", "target": {"instance": "...", "database": "..."}}');
    if ('response' in json) return json.response;
    // zod and the restore code load with the first request, not with the app
    const [{ restoreRequestBody }, { restoreFromRequest }] = await Promise.all([import('../shared/restore/requestBody'), import('../shared/restore/start')]);
    const parsed = restoreRequestBody.safeParse(json.body);
    if (!parsed.success) return badRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const { platform, engine } = await getRuntime();
    const estate = await platform.estate.load();
    const blobUrl = parsed.data.blobUrl.split('?')[0];
    const located = locateBlob(blobUrl, estate.backupContainers);
    if (!located) return badRequest(`${blobUrl} is not in a configured backup container`);
    let props;
    try {
      props = await platform.container(located.container).client.getBlobClient(located.blobPath).getProperties();
    } catch (err) {
      // only a missing blob is the caller's mistake; storage refusing the app is the app's problem
      if ((err as { statusCode?: number }).statusCode === 404) return badRequest(`${blobUrl} does not exist`);
      throw err;
    }
    const result = await restoreFromRequest(engine, estate, { ...parsed.data, blobUrl }, props.etag ?? '');
    return ok(publicView(result.operation), 202);
  } catch (err) {
    return errorResponse(err);
  }
}

app.http('startRestore', { route: 'restores', methods: ['POST'], authLevel: 'function', handler: startRestore });
