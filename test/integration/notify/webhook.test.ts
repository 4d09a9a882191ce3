// The failover notifications webhook against a real HTTP receiver on a free loopback port:
// delivered once with the exact body and headers, retried through 503 and 429 (Retry-After), not
// retried on a 400, a receiver that never answers (a timeout per attempt), a closed port, the URL's
// query (where a Logic App keeps its sig) never in what comes back, and a missing setting.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookNotifier, type Notification, type WebhookOptions } from '../../../shared/notify/webhook';

jest.setTimeout(10_000);

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** how the receiver answers the request numbered `n` (1 for the first this test) */
type Behaviour = (n: number, res: ServerResponse, req: Received) => void;

let server: Server;
let base: string;
let received: Received[] = [];
let behaviour: Behaviour = (_n, res) => res.writeHead(200).end();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      behaviour(received.length, res, r);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  behaviour = (_n, res) => res.writeHead(200).end();
});

/** a port nothing listens on: bound, then closed */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const NOTE: Notification = {
  kind: 'approval-needed',
  id: 'failover:Link_Sales:op-20250101T020304Z:approval',
  link: 'Link_Sales',
  summary: 'Link_Sales has been unhealthy for 3 samples: a forced failover to mi-prod waits for your approval.',
  at: '2025-01-01T02:03:04.000Z',
  detail: { decision: 'await-approval', reasons: [{ code: 'LAG_HIGH', message: 'lag 240 s' }], dataLossSeconds: 12.5, nested: { ok: null } },
};

/** a notifier on the given settings, whose waits are recorded and not slept */
function notifier(settings: Record<string, string | undefined>, options: WebhookOptions = {}): { n: WebhookNotifier; waits: number[] } {
  const waits: number[] = [];
  const n = new WebhookNotifier(settings, {
    backoffMs: 10,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...options,
  });
  return { n, waits };
}

describe('WebhookNotifier against a local receiver', () => {
  it('delivers once: POST, the exact JSON body, the content type, user agent and notification id headers', async () => {
    const { n, waits } = notifier({ NOTIFY_DBA: `${base}/hooks/dba` });
    const r = await n.send('NOTIFY_DBA', NOTE);
    expect(r).toEqual({ delivered: true, attempts: 1, status: 200 });
    expect(waits).toEqual([]);
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/hooks/dba');
    expect(req.body).toBe(JSON.stringify({ id: NOTE.id, kind: NOTE.kind, link: NOTE.link, summary: NOTE.summary, at: NOTE.at, detail: NOTE.detail }));
    expect(JSON.parse(req.body)).toEqual(NOTE);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe('mi-autopilot');
    expect(req.headers['x-mi-autopilot-notification-id']).toBe(NOTE.id);
  });

  it('counts any 2xx as delivered (202 from a Logic App trigger)', async () => {
    behaviour = (_n, res) => res.writeHead(202).end('accepted');
    const { n } = notifier({ HOOK: `${base}/trigger` });
    expect(await n.send('HOOK', NOTE)).toEqual({ delivered: true, attempts: 1, status: 202 });
  });

  it('retries through two 503s and delivers on the third attempt, the backoff doubling, the same id each time', async () => {
    behaviour = (i, res) => (i <= 2 ? res.writeHead(503).end('busy') : res.writeHead(200).end());
    const { n, waits } = notifier({ HOOK: `${base}/hook` });
    const r = await n.send('HOOK', NOTE);
    expect(r).toEqual({ delivered: true, attempts: 3, status: 200 });
    expect(waits).toEqual([10, 20]);
    expect(received.map((q) => q.headers['x-mi-autopilot-notification-id'])).toEqual([NOTE.id, NOTE.id, NOTE.id]);
    expect(new Set(received.map((q) => q.body)).size).toBe(1);
  });

  it('retries a 429 after the Retry-After it gives (0 s) rather than the backoff', async () => {
    behaviour = (i, res) => (i === 1 ? res.writeHead(429, { 'retry-after': '0' }).end() : res.writeHead(200).end());
    const { n, waits } = notifier({ HOOK: `${base}/hook` }, { backoffMs: 400 });
    expect(await n.send('HOOK', NOTE)).toEqual({ delivered: true, attempts: 2, status: 200 });
    expect(waits).toEqual([0]);
  });

  it('honours a longer Retry-After, capped at 30 s, and a 408', async () => {
    behaviour = (i, res) => {
      if (i === 1) res.writeHead(429, { 'retry-after': '2' }).end();
      else if (i === 2) res.writeHead(503, { 'retry-after': '3600' }).end();
      else if (i === 3) res.writeHead(408).end();
      else res.writeHead(200).end();
    };
    const { n, waits } = notifier({ HOOK: `${base}/hook` });
    expect(await n.send('HOOK', NOTE)).toEqual({ delivered: true, attempts: 4, status: 200 });
    expect(waits).toEqual([2_000, 30_000, 40]);
  });

  it('does not retry a 400: not delivered, with the status and what the receiver said', async () => {
    behaviour = (_n, res) => res.writeHead(400, { 'content-type': 'text/plain' }).end('schema mismatch: "summary" is required');
    const { n, waits } = notifier({ HOOK: `${base}/hook` });
    const r = await n.send('HOOK', NOTE);
    expect(r).toEqual({
      delivered: false,
      attempts: 1,
      status: 400,
      error: `webhook HOOK (${base}/hook) answered HTTP 400 Bad Request: schema mismatch: "summary" is required; not retried`,
    });
    expect(waits).toEqual([]);
    expect(received).toHaveLength(1);
  });

  it('gives up after maxAttempts 5xx answers, with the last status', async () => {
    behaviour = (_n, res) => res.writeHead(500).end();
    const { n, waits } = notifier({ HOOK: `${base}/hook` }, { maxAttempts: 3 });
    const r = await n.send('HOOK', NOTE);
    expect(r).toEqual({
      delivered: false,
      attempts: 3,
      status: 500,
      error: `notification ${NOTE.id} not delivered to webhook HOOK (${base}/hook) after 3 attempts: the last answer was HTTP 500 Internal Server Error`,
    });
    expect(waits).toEqual([10, 20]);
  });

  it('times out each attempt on a receiver that never answers', async () => {
    behaviour = () => undefined; // holds the request open
    const { n, waits } = notifier({ HOOK: `${base}/hook` }, { timeoutMs: 200, maxAttempts: 2 });
    const started = Date.now();
    const r = await n.send('HOOK', NOTE);
    const took = Date.now() - started;
    expect(r.delivered).toBe(false);
    expect(r.attempts).toBe(2);
    expect(r.status).toBeUndefined();
    expect(r.error).toBe(`notification ${NOTE.id} not delivered to webhook HOOK (${base}/hook) after 2 attempts: timed out after 200 ms (each attempt)`);
    expect(received).toHaveLength(2);
    expect(waits).toEqual([10]);
    expect(took).toBeGreaterThanOrEqual(380);
    expect(took).toBeLessThan(3_000);
  });

  it('is not delivered after maxAttempts when the connection is refused', async () => {
    const port = await closedPort();
    const { n, waits } = notifier({ HOOK: `http://127.0.0.1:${port}/hook` }, { maxAttempts: 3 });
    const r = await n.send('HOOK', NOTE);
    expect(r.delivered).toBe(false);
    expect(r.attempts).toBe(3);
    expect(r.status).toBeUndefined();
    expect(r.error).toMatch(new RegExp(`^notification ${NOTE.id} not delivered to webhook HOOK \\(http://127\\.0\\.0\\.1:${port}/hook\\) after 3 attempts: fetch failed: .*ECONNREFUSED`));
    expect(waits).toEqual([10, 20]);
  });

  describe('never shows the query string of the URL (sig=SECRET123)', () => {
    const secretUrl = (b: string): string => `${b}/workflows/abc/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SECRET123`;

    it('delivers to it, the query sent as it is', async () => {
      const { n } = notifier({ HOOK: secretUrl(base) });
      expect(await n.send('HOOK', NOTE)).toEqual({ delivered: true, attempts: 1, status: 200 });
      expect(received[0].url).toContain('sig=SECRET123');
    });

    it('on a refused answer that echoes the URL back', async () => {
      behaviour = (_n, res, req) => res.writeHead(403).end(`no access to http://127.0.0.1${req.url} (sig=SECRET123 is wrong) ${req.url}`);
      const { n } = notifier({ HOOK: secretUrl(base) });
      const r = await n.send('HOOK', NOTE);
      expect(r).toMatchObject({ delivered: false, attempts: 1, status: 403 });
      expect(r.error).toContain(`webhook HOOK (${base}/workflows/abc/triggers/manual/paths/invoke?…) answered HTTP 403 Forbidden`);
      expect(JSON.stringify(r)).not.toContain('SECRET123');
      // nothing of the query, not even its harmless parts
      expect(JSON.stringify(r)).not.toMatch(/api-version|%2Ftriggers|sv=1\.0/);
    });

    it('on retries that time out', async () => {
      behaviour = () => undefined;
      const { n } = notifier({ HOOK: secretUrl(base) }, { timeoutMs: 100, maxAttempts: 2 });
      const r = await n.send('HOOK', NOTE);
      expect(r).toMatchObject({ delivered: false, attempts: 2 });
      expect(r.error).toContain('?…');
      expect(r.error).toContain('timed out');
      expect(JSON.stringify(r)).not.toContain('SECRET123');
    });

    it('on a refused connection', async () => {
      const port = await closedPort();
      const { n } = notifier({ HOOK: secretUrl(`http://127.0.0.1:${port}`) }, { maxAttempts: 2 });
      const r = await n.send('HOOK', NOTE);
      expect(r).toMatchObject({ delivered: false, attempts: 2 });
      expect(r.error).toContain(`(http://127.0.0.1:${port}/workflows/abc/triggers/manual/paths/invoke?…)`);
      expect(JSON.stringify(r)).not.toContain('SECRET123');
    });
  });

  it('sends nothing when the setting is missing, empty, or not an http(s) URL', async () => {
    const { n } = notifier({ EMPTY: '  ', FTP: 'ftp://127.0.0.1/hook?sig=SECRET123', JUNK: 'not a url sig=SECRET123' });
    const missing = await n.send('NOTIFY_NOWHERE', NOTE);
    expect(missing).toEqual({ delivered: false, attempts: 0, error: expect.stringMatching(/^app setting NOTIFY_NOWHERE is not set: /) });
    expect(await n.send('EMPTY', NOTE)).toEqual({ delivered: false, attempts: 0, error: expect.stringMatching(/^app setting EMPTY is not set: /) });
    for (const setting of ['FTP', 'JUNK']) {
      const r = await n.send(setting, NOTE);
      expect(r).toEqual({ delivered: false, attempts: 0, error: expect.stringMatching(new RegExp(`^app setting ${setting} is not an http\\(s\\) URL`)) });
      expect(JSON.stringify(r)).not.toContain('SECRET123');
    }
    expect(received).toHaveLength(0);
  });
});
