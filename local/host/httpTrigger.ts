// HTTP triggers: routes under the host's route prefix, methods and auth levels from the binding,
// the request handed to the app as the host's RpcHttpData, and the RPC http response written back
// (status, headers, cookies, body). A failed invocation answers 500 with no body, as the host does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RpcHttpCookie, RpcHttpData, RpcInvocationResponse, RpcTypedData } from './coreTypes';
import type { Invoker } from './invoker';
import { AuthLevel, authorizeFunction, presentedKey } from './keys';
import type { LoadedFunction } from './loader';
import { matchRoute, parseRouteTemplate, RouteTemplate } from './routeTemplate';
import type { HostKeys } from './settings';

export interface HttpRoute {
  fn: LoadedFunction;
  route: RouteTemplate;
  methods: string[];
  authLevel: AuthLevel;
}

export function httpRouteOf(fn: LoadedFunction): HttpRoute {
  const routeOption = typeof fn.trigger.route === 'string' && fn.trigger.route ? fn.trigger.route : fn.name;
  const methods = Array.isArray(fn.trigger.methods) ? fn.trigger.methods.map((m) => String(m).toUpperCase()) : ['GET', 'POST'];
  const level = String(fn.trigger.authLevel ?? 'function').toLowerCase();
  const authLevel: AuthLevel = level === 'anonymous' || level === 'admin' ? level : 'function';
  return { fn, route: parseRouteTemplate(routeOption), methods, authLevel };
}

/** The first route whose template and method match, with its params. */
export function findRoute(routes: HttpRoute[], method: string, pathText: string): { route: HttpRoute; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (!route.methods.includes(method.toUpperCase())) continue;
    const params = matchRoute(route.route, pathText);
    if (params) return { route, params };
  }
  return undefined;
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The Functions host's default request body limit (Kestrel's, raised by FUNCTIONS_REQUEST_BODY_SIZE_LIMIT): 100 MiB. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 104_857_600;

/** A body over the limit: answered 413 without reading (or keeping) the rest. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/**
 * Reads the body as a stream with a running count, so no more than `limit` bytes are ever held:
 * a Content-Length over the limit is refused before a byte is read, a chunked body as soon as
 * the count passes it. Nothing is read past that point.
 */
export function readBody(req: IncomingMessage, limit = DEFAULT_MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let count = 0;
    const onData = (c: Buffer): void => {
      count += c.length;
      if (count > limit) {
        req.removeListener('data', onData);
        req.pause();
        chunks.length = 0; // what was kept goes now, not when the request ends
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks, count)));
    req.on('error', reject);
  });
}

/**
 * 413 as the host answers a body over its limit, then the connection is closed: what the client
 * still sends is not read into memory (Connection: close; the socket goes once the answer is out).
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, error: BodyTooLarge): void {
  if (!res.headersSent) {
    res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(JSON.stringify({ error: error.message }));
  } else res.end();
  // discard (never keep) anything already on its way while the answer is written, then let go
  req.removeAllListeners('data');
  req.resume();
  res.once('finish', () => setTimeout(() => req.socket.destroy(), 1000).unref());
}

/** The HTTP trigger body limit for these settings (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, bytes). */
export function maxRequestBodyBytes(env: NodeJS.ProcessEnv): number {
  const raw = env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT;
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_REQUEST_BODY_BYTES;
}

function cookieHeader(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const expires = cookie.expires?.value?.seconds;
  if (typeof expires === 'number') parts.push(`Expires=${new Date(expires * 1000).toUTCString()}`);
  if (typeof cookie.maxAge?.value === 'number') parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = { lax: 'Lax', strict: 'Strict', explicitNone: 'None' }[cookie.sameSite ?? 'none' as string];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}

export function typedDataBytes(data: RpcTypedData | null | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  if (data.bytes) return Buffer.from(data.bytes);
  if (data.stream) return Buffer.from(data.stream);
  if (typeof data.string === 'string') return Buffer.from(data.string);
  if (typeof data.json === 'string') return Buffer.from(data.json);
  if (typeof data.int === 'number') return Buffer.from(String(data.int));
  if (typeof data.double === 'number') return Buffer.from(String(data.double));
  return Buffer.alloc(0);
}

/** The http output of a response: the `$return` binding or a named http output binding. */
function httpOutput(fn: LoadedFunction, response: RpcInvocationResponse): RpcHttpData | undefined {
  const outputs = Object.entries(fn.metadata.bindings).filter(([, b]) => b.direction === 'out' && String(b.type).toLowerCase() === 'http');
  for (const [name] of outputs) {
    if (name === '$return' && response.returnValue?.http) return response.returnValue.http;
    const named = response.outputData?.find((o) => o.name === name)?.data?.http;
    if (named) return named;
  }
  return undefined;
}

export async function serveHttpTrigger(
  match: { route: HttpRoute; params: Record<string, string> },
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  keys: HostKeys,
  invoker: Invoker,
  maxBodyBytes = DEFAULT_MAX_REQUEST_BODY_BYTES,
): Promise<void> {
  const { route, params } = match;
  if (!authorizeFunction(route.authLevel, route.fn.name, presentedKey(req.headers, url.searchParams), keys)) {
    res.writeHead(401).end();
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(req, maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLarge) return refuseTooLarge(req, res, err);
    throw err;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const headers = headerMap(req);
  const http: RpcHttpData = {
    method: req.method ?? 'GET',
    url: url.toString(),
    headers,
    body: body.length > 0 ? { bytes: body } : undefined,
    params,
    query,
  };
  const triggerMetadata: Record<string, RpcTypedData> = {
    Query: { json: JSON.stringify(query) },
    Headers: { json: JSON.stringify(headers) },
  };
  for (const [k, v] of Object.entries(params)) triggerMetadata[k] = { string: v };
  const result = await invoker.invoke(route.fn, { triggerData: { http }, triggerMetadata, reason: `This function was programmatically called via the host APIs.` });
  if (result.status === 'Failed') {
    res.writeHead(500).end();
    return;
  }
  const output = httpOutput(route.fn, result.response);
  if (!output) {
    res.writeHead(204).end();
    return;
  }
  const status = Number(output.statusCode ?? 200) || 200;
  for (const [name, value] of Object.entries(output.headers ?? {})) res.setHeader(name, value);
  const cookies = (output.cookies ?? []).map(cookieHeader);
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  res.writeHead(status).end(typedDataBytes(output.body));
}
