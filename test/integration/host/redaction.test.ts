// The local host's own log lines never carry a function key or a SAS: the request URL it logs when
// a request fails, and the exception line of a failed invocation, are redacted.
import { app, HttpRequest } from '@azure/functions';
import { startHarness, HostHarness } from './hostHarness';

const SECRET = 'sup3r-s3cret-key';

let h: HostHarness;

beforeAll(async () => {
  h = await startHarness({ values: { 'AzureWebJobs.tick.Disabled': 'true' } });
});

afterAll(async () => {
  await h?.stop();
});

function logText(from: number): string {
  return h.logs
    .slice(from)
    .map((l) => l.message)
    .join('\n');
}

describe('secrets in the host log', () => {
  it('logs a request that fails in the host with its URL sanitized (?code= redacted)', async () => {
    // A header value Node refuses to write (a control character the library lets through) makes
    // the request fail in the host after the function ran.
    const hook = app.hook.postInvocation((ctx) => {
      if (ctx.invocationContext.functionName === 'echo') ctx.result = { status: 200, headers: { 'x-bad': 'a\u0001b' } };
    });
    const before = h.logs.length;
    try {
      const res = await fetch(`${h.host.url}/api/echo?code=${SECRET}&state=Running`, { method: 'POST', body: 'x', headers: { 'x-functions-key': SECRET } });
      expect(res.status).toBe(500);
    } finally {
      hook.dispose();
    }
    const failed = h.logs.slice(before).find((l) => l.category === 'Host' && l.message.startsWith('request POST'));
    expect(failed?.message).toMatch(/^request POST \/api\/echo\?code=REDACTED&state=Running failed: TypeError/);
    expect(logText(before)).not.toContain(SECRET);
  });

  it('redacts the exception line of an invocation whose error quotes the request URL', async () => {
    const hook = app.hook.postInvocation((ctx) => {
      if (ctx.invocationContext.functionName !== 'echo') return;
      const request = ctx.inputs[0] as HttpRequest;
      ctx.error = new Error(`could not forward ${request.url} to https://hooks.slack.com/services/T0/B0/${SECRET}`);
    });
    const before = h.logs.length;
    try {
      const res = await fetch(`${h.host.url}/api/echo?code=${SECRET}`, { method: 'POST', body: 'x' });
      expect(res.status).toBe(500);
    } finally {
      hook.dispose();
    }
    const failure = h.logs.slice(before).find((l) => l.message.includes('Exception while executing function: Functions.echo'));
    expect(failure?.message).toContain(`could not forward ${h.host.url}/api/echo?code=REDACTED to https://hooks.slack.com/REDACTED`);
    expect(logText(before)).not.toContain(SECRET);
  });
});
