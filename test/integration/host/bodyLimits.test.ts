// Request bodies are bounded as the real host bounds them: 413 for an HTTP trigger body over
// 100 MB (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT raises or lowers it) and for an Event Grid webhook body
// over 1 MB (Event Grid never sends more), decided from Content-Length before anything is read,
// or from a running count of a chunked body: the host never holds more than the limit.
import http from 'node:http';
import { Readable } from 'node:stream';
import { recorder } from '../../fixtures/hostApp/recorder';
import { startHarness, HostHarness, KEYS } from './hostHarness';

let h: HostHarness;

beforeAll(async () => {
  h = await startHarness({
    values: { 'AzureWebJobs.tick.Disabled': 'true', 'AzureWebJobs.flaky.Disabled': 'true', 'AzureWebJobs.alwaysFails.Disabled': 'true', FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: String(4 * 1024 * 1024) },
  });
});

afterAll(async () => {
  await h?.stop();
});

beforeEach(() => {
  recorder.gridEvents.length = 0;
});

const MB = 1024 * 1024;

interface Answer {
  status: number;
  body: string;
  /** bytes the client managed to send before the answer */
  sent: number;
}

/**
 * POSTs `total` bytes, in 64 KiB chunks made on demand (the client keeps none of them), with a
 * Content-Length or chunked; resolves with the answer, whatever happens to the rest of the body.
 */
function post(pathAndQuery: string, total: number, options: { chunked?: boolean; declared?: number } = {}): Promise<Answer> {
  const url = new URL(pathAndQuery, h.host.url);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const body = Readable.from(
    (function* () {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        yield n === chunk.length ? chunk : chunk.subarray(0, n);
      }
    })(),
  );
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'aeg-event-type': 'Notification' };
    if (!options.chunked) headers['content-length'] = options.declared ?? total;
    const req = http.request(url, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text, sent });
        req.destroy();
        body.destroy();
      });
    });
    // the host closes the connection once it has answered: the rest of the body has nowhere to go
    req.on('error', (err) => (sent >= total ? reject(err) : undefined));
    body.pipe(req);
  });
}

const webhook = `/runtime/webhooks/eventgrid?functionName=gridSink&code=${KEYS.eventGrid}`;

describe('the Event Grid webhook', () => {
  it('refuses a 2 MB body with 413 from its Content-Length, before reading it, and invokes nothing', async () => {
    const answer = await post(webhook, 2 * MB);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: 'the request body is larger than 1048576 bytes' });
    expect(recorder.gridEvents).toHaveLength(0);
  });

  it('refuses a chunked body as soon as it passes 1 MB, and memory does not grow with what the client sends', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    const answers: Answer[] = [];
    // 10 bodies of 20 MB each: 200 MB offered
    for (let i = 0; i < 10; i++) answers.push(await post(webhook, 20 * MB, { chunked: true }));
    const grown = process.memoryUsage().rss - before;
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(413));
    // the client stopped long before the end: nothing read it
    for (const a of answers) expect(a.sent).toBeLessThan(20 * MB);
    // a host that buffered the bodies would have grown by hundreds of MB
    expect(grown).toBeLessThan(40 * MB);
    expect(recorder.gridEvents).toHaveLength(0);
  });

  it('still takes a body under 1 MB', async () => {
    const event = { id: 'big-but-fine', eventType: 'Test.Event', subject: 's', eventTime: new Date().toISOString(), dataVersion: '1', data: { pad: 'x'.repeat(900 * 1024) } };
    const res = await fetch(`${h.host.url}${webhook}`, { method: 'POST', headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' }, body: JSON.stringify([event]) });
    expect(res.status).toBe(202);
    expect(recorder.gridEvents.map((e) => (e.event as { id: string }).id)).toEqual(['big-but-fine']);
  });
});

describe('HTTP triggers', () => {
  it('refuse a body over the limit with 413 from its Content-Length alone (nothing of the body is sent or read)', async () => {
    const answer = await post('/api/echo', 0, { declared: 4 * MB + 1 });
    expect(answer.status).toBe(413);
  });

  it('refuse a chunked body when it passes the limit, and take one under it', async () => {
    expect((await post('/api/echo', 6 * MB, { chunked: true })).status).toBe(413);
    const ok = await post('/api/echo', 3 * MB, { chunked: true });
    expect(ok.status).toBe(201);
    expect(ok.body.length).toBe(3 * MB);
  });
});
