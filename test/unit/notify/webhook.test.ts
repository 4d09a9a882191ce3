// The webhook notifier with fetch stubbed: what it shows of URLs that are secrets in their path
// (Teams) or query (Functions, Logic Apps), the settings it refuses, redirects, the backoff and
// Retry-After arithmetic, and that it never throws.
import { WebhookNotifier, type Notification, type WebhookOptions } from '../../../shared/notify/webhook';

const NOTE: Notification = {
  kind: 'outcome',
  id: 'failover:Link_Sales:op-1:outcome',
  link: 'Link_Sales',
  summary: 'The planned failover of Link_Sales to mi-prod succeeded.',
  at: '2025-01-01T02:03:04.000Z',
  detail: { state: 'succeeded' },
};

const TEAMS = 'https://contoso.webhook.office.com/webhookb2/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab@tenant/IncomingWebhook/TEAMSKEY999abcdef/owner';
const FUNCTION = 'https://hooks-app.azurewebsites.net/api/notify?code=FUNCKEY0123456789==';

let fetchMock: jest.SpiedFunction<typeof fetch>;

beforeEach(() => {
  fetchMock = jest.spyOn(globalThis, 'fetch');
});

afterEach(() => {
  fetchMock.mockRestore();
});

function notifier(settings: Record<string, string | undefined>, options: WebhookOptions = {}): { n: WebhookNotifier; waits: number[] } {
  const waits: number[] = [];
  const n = new WebhookNotifier(settings, {
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...options,
  });
  return { n, waits };
}

/** a fetch failure the way undici reports one, its message quoting the URL */
function fetchFailed(url: string): Error {
  return new TypeError('fetch failed', { cause: new Error(`getaddrinfo ENOTFOUND while calling ${url}`) });
}

describe('WebhookNotifier: what it shows of the URL', () => {
  it('hides a path that holds the key (a Teams webhook), even when the error quotes the URL', async () => {
    fetchMock.mockRejectedValue(fetchFailed(TEAMS));
    const { n } = notifier({ TEAMS_HOOK: TEAMS }, { maxAttempts: 2 });
    const r = await n.send('TEAMS_HOOK', NOTE);
    expect(r.delivered).toBe(false);
    expect(r.attempts).toBe(2);
    expect(r.error).toMatch(/^notification failover:Link_Sales:op-1:outcome not delivered to webhook TEAMS_HOOK \(https:\/\/contoso\.webhook\.office\.com\/REDACTED\) after 2 attempts: fetch failed: getaddrinfo ENOTFOUND/);
    expect(r.error).not.toMatch(/TEAMSKEY999|0f1e2d3c|IncomingWebhook/);
  });

  it('shows the query as ?… and never its key (a function key in code=)', async () => {
    fetchMock.mockResolvedValue(new Response(`denied: ${FUNCTION} and FUNCKEY0123456789==`, { status: 401, statusText: 'Unauthorized' }));
    const { n } = notifier({ FN_HOOK: FUNCTION });
    const r = await n.send('FN_HOOK', NOTE);
    expect(r).toMatchObject({ delivered: false, attempts: 1, status: 401 });
    expect(r.error).toMatch(/^webhook FN_HOOK \(https:\/\/hooks-app\.azurewebsites\.net\/REDACTED\?…\) answered HTTP 401 Unauthorized: denied: /);
    expect(r.error).not.toContain('FUNCKEY');
  });

  it('does not leave half a secret where the answer is cut short', async () => {
    const sig = `SIG${'k'.repeat(297)}`;
    fetchMock.mockResolvedValue(new Response(`${sig} `.repeat(20), { status: 403 }));
    const { n } = notifier({ HOOK: `https://example.logic.azure.com/workflows/x/invoke?sig=${sig}` });
    const r = await n.send('HOOK', NOTE);
    expect(r.status).toBe(403);
    expect(r.error).toContain('answered HTTP 403');
    expect(r.error).not.toContain('SIGkkkk');
  });

  it('sends to the URL as it is, query included, with a timeout signal and without following redirects', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    const { n } = notifier({ FN_HOOK: FUNCTION });
    expect(await n.send('FN_HOOK', NOTE)).toEqual({ delivered: true, attempts: 1, status: 204 });
    const [url, init] = fetchMock.mock.calls[0];
    expect(String(url)).toBe(FUNCTION);
    expect(init).toMatchObject({ method: 'POST', redirect: 'manual' });
    expect(init?.signal).toBeInstanceOf(AbortSignal);
  });
});

describe('WebhookNotifier: settings it refuses, sending nothing', () => {
  it.each([
    ['missing', undefined, /^app setting HOOK is not set: /],
    ['empty', '', /^app setting HOOK is not set: /],
    ['not a URL', 'hooks.example.com/x?sig=SECRET123', /^app setting HOOK is not an http\(s\) URL: /],
    ['another scheme', 'ftp://hooks.example.com/x?sig=SECRET123', /^app setting HOOK is not an http\(s\) URL: only http:\/\/ and https:\/\/ URLs are accepted$/],
    ['javascript:', 'javascript:alert(1)', /^app setting HOOK is not an http\(s\) URL: /],
    ['user info', 'https://dba:SECRET123@hooks.example.com/x', /^app setting HOOK holds a URL with a user name or password, which is not supported/],
  ])('%s', async (_name, value, message) => {
    const { n } = notifier({ HOOK: value });
    const r = await n.send('HOOK', NOTE);
    expect(r).toEqual({ delivered: false, attempts: 0, error: expect.stringMatching(message) });
    expect(r.error).not.toContain('SECRET123');
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe('WebhookNotifier: retries', () => {
  it('waits 500, 1000, 2000 ms by default, four attempts in all', async () => {
    fetchMock.mockImplementation(() => Promise.resolve(new Response('down', { status: 502 })));
    const { n, waits } = notifier({ HOOK: 'https://hooks.example.com/x' });
    const r = await n.send('HOOK', NOTE);
    expect(r).toMatchObject({ delivered: false, attempts: 4, status: 502 });
    expect(r.error).toContain('after 4 attempts: the last answer was HTTP 502: down');
    expect(waits).toEqual([500, 1_000, 2_000]);
  });

  it('caps the backoff at 8 s', async () => {
    fetchMock.mockImplementation(() => Promise.reject(new TypeError('fetch failed')));
    const { n, waits } = notifier({ HOOK: 'https://hooks.example.com/x' }, { backoffMs: 3_000, maxAttempts: 5 });
    expect(await n.send('HOOK', NOTE)).toMatchObject({ delivered: false, attempts: 5 });
    expect(waits).toEqual([3_000, 6_000, 8_000, 8_000]);
  });

  it('reads a Retry-After given as an HTTP date', async () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    fetchMock
      .mockResolvedValueOnce(new Response(null, { status: 503, headers: { 'retry-after': inTenSeconds } }))
      .mockResolvedValueOnce(new Response(null, { status: 200 }));
    const { n, waits } = notifier({ HOOK: 'https://hooks.example.com/x' });
    expect(await n.send('HOOK', NOTE)).toEqual({ delivered: true, attempts: 2, status: 200 });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(8_000);
    expect(waits[0]).toBeLessThanOrEqual(10_000);
  });

  it('does not follow a redirect nor retry it', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 302, headers: { location: 'https://elsewhere.example.com/' } }));
    const { n } = notifier({ HOOK: 'https://hooks.example.com/x' });
    const r = await n.send('HOOK', NOTE);
    expect(r).toMatchObject({ delivered: false, attempts: 1, status: 302 });
    expect(r.error).toContain('(redirects are not followed)');
  });
});

describe('WebhookNotifier: never throws', () => {
  it('answers when the detail cannot be written as JSON', async () => {
    const { n } = notifier({ HOOK: 'https://hooks.example.com/x' });
    const r = await n.send('HOOK', { ...NOTE, detail: { big: BigInt(1) } });
    expect(r).toEqual({ delivered: false, attempts: 0, error: expect.stringContaining('cannot be written as JSON') });
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('answers when the id cannot go into a header', async () => {
    const { n } = notifier({ HOOK: 'https://hooks.example.com/x' });
    const r = await n.send('HOOK', { ...NOTE, id: 'op-1\r\nx-injected: yes' });
    expect(r).toEqual({ delivered: false, attempts: 0, error: expect.stringContaining('its id must be 1 to 256 printable ASCII characters') });
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('answers when the wait between attempts fails', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 503 }));
    const n = new WebhookNotifier({ HOOK: 'https://hooks.example.com/x?sig=SECRET123' }, { sleep: () => Promise.reject(new Error('sleep failed')) });
    const r = await n.send('HOOK', NOTE);
    expect(r).toEqual({ delivered: false, attempts: 1, error: 'notification not sent to webhook HOOK: sleep failed' });
  });
});
