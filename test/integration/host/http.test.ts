// HTTP triggers through the local host: routing with params and constraints, auth levels with
// keys from the settings, request and response shapes, and failures reported like the host.
import { app } from '@azure/functions';
import { startHarness, HostHarness, KEYS } from './hostHarness';

let h: HostHarness;

beforeAll(async () => {
  h = await startHarness({ values: { 'AzureWebJobs.tick.Disabled': 'true' } });
});

afterAll(async () => {
  await h?.stop();
});

describe('loading', () => {
  it('loads every function the fixture app registered through app.*, with its trigger', () => {
    const byName = Object.fromEntries(h.host.functions.map((f) => [f.name, f.triggerType]));
    expect(byName).toEqual({
      getItem: 'httpTrigger',
      echo: 'httpTrigger',
      adminOnly: 'httpTrigger',
      boom: 'httpTrigger',
      decide: 'httpTrigger',
      slow: 'httpTrigger',
      flaky: 'queueTrigger',
      alwaysFails: 'queueTrigger',
      gridSink: 'eventGridTrigger',
    });
  });

  it('binds 127.0.0.1 on the port it was given (0 = a free one)', () => {
    expect(h.host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(h.host.port).toBeGreaterThan(0);
  });
});

describe('admin endpoints', () => {
  it('answers the anonymous ping and the host status only with the master key', async () => {
    expect((await fetch(`${h.host.url}/admin/host/ping`)).status).toBe(200);
    expect((await fetch(`${h.host.url}/admin/host/status`, { headers: { 'x-functions-key': KEYS.hostDefault } })).status).toBe(401);
    const res = await fetch(`${h.host.url}/admin/host/status`, { headers: { 'x-functions-key': KEYS.master } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'Running' });
  });
});

describe('routing and auth levels', () => {
  it('serves a route template with a param to a caller with the function key, in the response shape the function returned', async () => {
    const res = await fetch(`${h.host.url}/api/items/42?q=find%20me`, { headers: { 'x-functions-key': KEYS.getItem, 'x-test': 'hello' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-item')).toBe('42');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('set-cookie')).toBe('seen=42; HttpOnly; SameSite=Strict');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id: '42', q: 'find me', header: 'hello', functionName: 'getItem' });
    expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    // The handler's context.log carries the invocation id, and the host logged the execution.
    const userLog = h.logs.find((l) => l.category === 'Function.getItem.User' && l.message === 'reading item 42');
    expect(userLog?.invocationId).toBe(body.invocationId);
    expect(h.logs.some((l) => l.message.startsWith(`Executed 'Functions.getItem' (Succeeded, Id=${String(body.invocationId)}, Duration=`))).toBe(true);
  });

  it('accepts the key as the code query parameter, the host default key and the master key', async () => {
    for (const key of [KEYS.getItem, KEYS.hostDefault, KEYS.master]) {
      const res = await fetch(`${h.host.url}/api/items/7?code=${encodeURIComponent(key)}`);
      expect(res.status).toBe(200);
    }
  });

  it('answers 401 to a function-level route without a key or with a wrong one', async () => {
    expect((await fetch(`${h.host.url}/api/items/1`)).status).toBe(401);
    expect((await fetch(`${h.host.url}/api/items/1`, { headers: { 'x-functions-key': 'wrong' } })).status).toBe(401);
    expect((await fetch(`${h.host.url}/api/items/1?code=wrong`)).status).toBe(401);
  });

  it('lets only the master key through to an admin-level route', async () => {
    expect((await fetch(`${h.host.url}/api/admin-only`, { headers: { 'x-functions-key': KEYS.hostDefault } })).status).toBe(401);
    expect((await fetch(`${h.host.url}/api/admin-only`, { headers: { 'x-functions-key': KEYS.getItem } })).status).toBe(401);
    const res = await fetch(`${h.host.url}/api/admin-only`, { headers: { 'x-functions-key': KEYS.master } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ admin: true });
  });

  it('passes bodies and methods to anonymous routes and returns the status the function chose', async () => {
    const res = await fetch(`${h.host.url}/api/echo`, { method: 'PUT', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-method')).toBe('PUT');
    expect(await res.text()).toBe('{"a":1}');
  });

  it('answers 404 for a method the function does not accept and for unknown routes', async () => {
    expect((await fetch(`${h.host.url}/api/echo`)).status).toBe(404);
    expect((await fetch(`${h.host.url}/api/nowhere`)).status).toBe(404);
    expect((await fetch(`${h.host.url}/items/42`)).status).toBe(404);
  });

  it('matches regex route constraints and refuses values outside them', async () => {
    const ok = await fetch(`${h.host.url}/api/ops/abc/approve`, { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: 'abc', decision: 'approve' });
    expect((await fetch(`${h.host.url}/api/ops/abc/maybe`, { method: 'POST' })).status).toBe(404);
  });

  it('uses the function name as the route when the function gives none', async () => {
    expect((await fetch(`${h.host.url}/api/boom`)).status).toBe(500);
  });
});

describe('a function that throws', () => {
  it('answers 500 with no body and logs Executed (Failed ...) with the error, as the host does', async () => {
    const before = h.logs.length;
    const res = await fetch(`${h.host.url}/api/boom`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('');
    const lines = h.logs.slice(before);
    const executed = lines.find((l) => /^Executed 'Functions\.boom' \(Failed, Id=[0-9a-f-]{36}, Duration=\d+ms\)$/.test(l.message));
    expect(executed).toBeDefined();
    const failure = lines.find((l) => l.message.includes('Exception while executing function: Functions.boom'));
    expect(failure?.message).toContain('boom: the fixture fails on purpose');
    expect(failure?.invocationId).toBe(executed?.invocationId);
    expect(lines.find((l) => l.message === 'about to fail')?.invocationId).toBe(executed?.invocationId);
  });

  it('reports started and finished invocations as events', async () => {
    const finished: string[] = [];
    const listener = (e: { functionName: string; status: string }): void => {
      finished.push(`${e.functionName}:${e.status}`);
    };
    h.host.events.on('invocationFinished', listener);
    await fetch(`${h.host.url}/api/boom`);
    await fetch(`${h.host.url}/api/echo`, { method: 'POST', body: 'x' });
    h.host.events.off('invocationFinished', listener);
    expect(finished).toEqual(['boom:Failed', 'echo:Succeeded']);
  });
});

describe('app hooks', () => {
  it('runs preInvocation, postInvocation and log hooks registered through app.hook, as the worker does', async () => {
    const seen: string[] = [];
    const hooks = [
      app.hook.preInvocation((ctx) => {
        seen.push(`pre:${ctx.invocationContext.functionName}`);
      }),
      app.hook.postInvocation((ctx) => {
        seen.push(`post:${ctx.invocationContext.functionName}:${ctx.error ? 'error' : 'ok'}`);
        // A post hook may turn a failure into a result: the worker then reports success.
        if (ctx.invocationContext.functionName === 'boom') {
          ctx.error = null;
          ctx.result = { status: 418, body: 'recovered by a hook' };
        }
      }),
      app.hook.log((ctx) => {
        if (ctx.category === 'user') ctx.message = `[hooked] ${ctx.message}`;
      }),
    ];
    try {
      const res = await fetch(`${h.host.url}/api/boom`);
      expect(res.status).toBe(418);
      expect(await res.text()).toBe('recovered by a hook');
      expect(seen).toEqual(['pre:boom', 'post:boom:error']);
      expect(h.logs.some((l) => l.message === '[hooked] about to fail')).toBe(true);
    } finally {
      hooks.forEach((hook) => hook.dispose());
    }
    expect((await fetch(`${h.host.url}/api/boom`)).status).toBe(500);
  });
});

describe('stop', () => {
  it('waits for a running invocation to finish before it resolves, then refuses new connections', async () => {
    const started = new Promise<void>((resolve) => h.host.events.once('invocationStarted', () => resolve()));
    const pending = fetch(`${h.host.url}/api/slow?ms=700`);
    await started;
    let stopped = false;
    const stopping = h.host.stop().then(() => {
      stopped = true;
    });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ waited: 700 });
    await stopping;
    expect(stopped).toBe(true);
    await expect(fetch(`${h.host.url}/api/slow?ms=1`)).rejects.toThrow();
  });
});
