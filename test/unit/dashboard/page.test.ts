// The dashboard page as served: parseable, self-contained (no external URL, no key), with its
// favicon and a policy that lets only its own script and style run.
import { createHash } from 'node:crypto';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { coreRegistry } from '../../../local/host/functionsCore';
import { dashboard } from '../../../functions/dashboard';
import { CLIENT_SCRIPT } from '../../../shared/dashboard/client';
import { dashboardHeaders, dashboardHtml, FAVICON_HREF } from '../../../shared/dashboard/page';

const html = dashboardHtml();
const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

test('one script and one style, each closed once, and the script compiles', () => {
  expect(html.startsWith('<!doctype html>')).toBe(true);
  expect(html.trimEnd().endsWith('</html>')).toBe(true);
  expect(scripts).toHaveLength(1);
  expect(styles).toHaveLength(1);
  expect(html.match(/<script\b/g)).toHaveLength(1);
  expect(html.match(/<\/script>/g)).toHaveLength(1);
  // inside the script, these would end it early or switch the HTML parser's mode
  expect(scripts[0]).not.toMatch(/<\/script|<!--|<script/i);
  expect(() => new Function(scripts[0])).not.toThrow();
});

test('the markup is balanced and its ids are unique; every id the script reads exists', () => {
  const body = html.replace(/<script>[\s\S]*?<\/script>/, '').replace(/<style>[\s\S]*?<\/style>/, '');
  const voids = new Set(['meta', 'link', 'input', 'br', 'col', 'hr', 'img']);
  // colgroup/thead/tbody/tr/option close themselves in HTML, but this page closes them all
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g)) {
    const [, closing, raw] = m;
    const name = raw.toLowerCase();
    if (voids.has(name)) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  const ids = [...body.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(ids).size).toBe(ids.length);
  const read = [...CLIENT_SCRIPT.matchAll(/\$\('([^']+)'\)/g)].map((m) => m[1]);
  expect(read.length).toBeGreaterThan(20);
  // the detail panel's own ids come with the markup the script writes
  const written = [...CLIENT_SCRIPT.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  for (const id of new Set(read)) expect([...ids, ...written]).toContain(id);
  for (const m of body.matchAll(/<label for="([^"]+)"/g)) expect(ids).toContain(m[1]);
});

test('nothing is fetched from elsewhere, and no key is in the page', () => {
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/\b(src|href)\s*=\s*"(?!data:|#)/i);
  expect(html).not.toMatch(/@import|url\(/i);
  expect(html).not.toMatch(/code=/);
  expect(html).not.toMatch(/local-only-function-key/);
});

test('an inline SVG favicon', () => {
  expect(html).toContain(`<link rel="icon" href="${FAVICON_HREF}">`);
  expect(FAVICON_HREF.startsWith('data:image/svg+xml,')).toBe(true);
  expect(FAVICON_HREF).not.toMatch(/["<>\s]/);
  const svg = decodeURIComponent(FAVICON_HREF.slice('data:image/svg+xml,'.length));
  expect(svg).toMatch(/^<svg xmlns='http:\/\/www\.w3\.org\/2000\/svg'[\s\S]*<\/svg>$/);
});

test('the policy names the hashes of exactly this script and style', () => {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  expect(csp).toBeDefined();
  expect(csp).toContain(`script-src ${hash(scripts[0])}`);
  expect(csp).toContain(`style-src ${hash(styles[0])}`);
  expect(csp).toContain("connect-src 'self'");
  expect(dashboardHeaders()['content-security-policy']).toBe(`${csp}; frame-ancestors 'none'`);
  expect(html).not.toMatch(/\son[a-z]+="/); // inline handlers would be refused by that policy
  expect(html).not.toMatch(/\sstyle="/);
});

test('the function serves the page anonymously: the page holds nothing, the API calls carry the key', async () => {
  const res = await dashboard(new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/dashboard' }), new InvocationContext({ functionName: 'dashboard' }));
  expect(res.status).toBe(200);
  expect(res.body).toBe(html);
  expect(res.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  const registered = coreRegistry.functions.find((f) => f.metadata.name === 'dashboard');
  const trigger = Object.values(registered?.metadata.bindings ?? {}).find((b) => b.direction === 'in' && String(b.type).toLowerCase() === 'httptrigger');
  expect(trigger).toMatchObject({ authLevel: 'anonymous' });
});
