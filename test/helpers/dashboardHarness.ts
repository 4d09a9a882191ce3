// What the dashboard's browser tests share: a fake Functions host that serves the real dashboard
// function and answers the API from canned data (each test file routes its own), with the function
// key checked as the host checks it and every request recorded; and a headless Chromium whose pages
// fail the test on a script error or a request that leaves the fake host. Also what the test files'
// canned data and routes have in common: operations, the operations API's answers, an unreachable link.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { dashboard } from '../../functions/dashboard';
import type { LinkView, OperationView } from '../../shared/dashboard/format';

const CHROMIUM = '/usr/bin/chromium';

export const MINUTE = 60_000;
/** the states `?state=open` stands for, and every state (what a list without `state` returns) */
export const OPEN = ['pending', 'running', 'waiting', 'awaiting-approval'];
export const ALL = [...OPEN, 'succeeded', 'failed', 'cancelled'];
/** markup in canned text: the page must show it as text (no element with this id may appear) */
export const INJECTED = '<img src=x id=injected>';

export const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
export const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** an operation as the API lists it */
export type Op = OperationView & { createdAt: string; updatedAt: string };

/** What every canned operation of a test file has unless it says otherwise. */
export interface OperationDefaults {
  kind: string;
  target: string;
  step: string;
  createdBy: string;
  /** how long it ran: it started (and was created) this many minutes before its last update */
  runMinutes: number;
  /** more fields every one has */
  more?: Partial<Op>;
}

/**
 * Canned operations: `base(id, min, over)` is one that succeeded, last updated `min` minutes ago,
 * with `over` on top of the defaults.
 */
export function cannedOperation(d: OperationDefaults): (id: string, min: number, over: Partial<Op>) => Op {
  return (id, min, over) => ({
    id,
    kind: d.kind,
    target: d.target,
    state: 'succeeded',
    step: d.step,
    attempt: 1,
    createdAt: ago((min + d.runMinutes) * MINUTE),
    startedAt: ago((min + d.runMinutes) * MINUTE),
    updatedAt: ago(min * MINUTE),
    createdBy: d.createdBy,
    ...d.more,
    ...over,
  });
}

/** GET /api/operations as the app answers it: the states asked for (all by default), of the kind asked for, newest first, `limit` of them (100 by default). */
export function listOperations(ops: Op[], q: URLSearchParams): [number, unknown] {
  const states = q.get('state') ? q.get('state')!.split(',').flatMap((s) => (s === 'open' ? OPEN : [s])) : ALL;
  const list = ops.filter((o) => states.includes(o.state) && (!q.get('kind') || o.kind === q.get('kind'))).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return [200, { operations: list.slice(0, Number(q.get('limit') ?? 100)) }];
}

/** GET /api/operations/{id}: the operation with its audit trail: started at its first step, then its last step done. */
export function operationWithAudit(op: Op, firstStep = 'check', startReason = 'started'): [number, unknown] {
  const audit = [
    { operationId: op.id, sequence: 1, at: op.createdAt, actor: op.createdBy, toState: 'pending', toStep: firstStep, reason: startReason },
    { operationId: op.id, sequence: 2, at: op.updatedAt, actor: 'worker', fromState: 'pending', toState: op.state, fromStep: firstStep, toStep: op.step, reason: 'step done' },
  ];
  return [200, { ...op, audit }];
}

/**
 * A link whose SQL Server side could not be read, as the links API gives it: the state the monitor
 * judged (`broken` or `unknown`), its one reason INSTANCE_UNREACHABLE, the managed instance's role
 * alone and no primary.
 */
export function sqlServerUnreachable(sqlServer: string, state: 'broken' | 'unknown', sinceMs: number, error: string): Required<Pick<LinkView, 'sqlServer' | 'state' | 'since' | 'observed' | 'message' | 'reasons' | 'roles'>> & Pick<LinkView, 'primary'> {
  const why = `${sqlServer} could not be read: ${error}`;
  return {
    sqlServer,
    state,
    since: ago(sinceMs),
    observed: state,
    message: `${state}: ${why}`,
    reasons: [{ code: 'INSTANCE_UNREACHABLE', severity: state, message: why }],
    roles: { managedInstance: 'SECONDARY' },
    primary: undefined,
  };
}

/** An operation's row in the list. */
export const row = (id: string): string => `tr.op[data-id="${id}"]`;

/** The detail panel shows that operation. (Waits go through locators: the page's policy refuses the string evaluation of waitForFunction.) */
export const detailShows = (page: Page, id: string): Promise<void> => page.locator('#detail-id').filter({ hasText: new RegExp(`^${id}$`) }).waitFor();

export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  key: string | undefined;
  body: unknown;
}

export abstract class FakeFunctionsHost {
  seen: Seen[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** every API answer waits this long (overlapping requests would show) */
  delayMs = 0;
  url = '';
  private server?: Server;

  constructor(private readonly key: string) {}

  /** the answer to one API request with the right key: status and JSON body (undefined: none) */
  protected abstract route(method: string, url: URL, body: Record<string, unknown>): [number, unknown];

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  reset(): void {
    this.seen = [];
    this.maxInFlight = 0;
    this.delayMs = 0;
  }

  posts(): Seen[] {
    return this.seen.filter((s) => s.method === 'POST');
  }

  /** No request in flight and none sent for a while (on a paused page clock: whatever the page queued has gone out). */
  async settled(): Promise<void> {
    for (let count = -1, quiet = 0; quiet < 5; ) {
      await new Promise((r) => setTimeout(r, 100));
      quiet = this.inFlight === 0 && this.seen.length === count ? quiet + 1 : 0;
      count = this.seen.length;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname === '/api/dashboard') {
      const answer = await dashboard(new HttpRequest({ method: 'GET', url: url.toString() }), new InvocationContext({ functionName: 'dashboard' }));
      res.writeHead(answer.status ?? 200, answer.headers as Record<string, string>).end(String(answer.body));
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404).end(); // /favicon.ico among others: the page must not ask for it
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    const key = req.headers['x-functions-key'];
    this.seen.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, key: Array.isArray(key) ? key[0] : key, body });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      // as the Functions host: the function key, in the header or ?code=; a wrong one is an empty 401
      if (((Array.isArray(key) ? key[0] : key) ?? url.searchParams.get('code')) !== this.key) {
        res.writeHead(401).end();
        return;
      }
      const [status, answer] = this.route(req.method ?? 'GET', url, body ?? {});
      if (answer === undefined) res.writeHead(status).end();
      else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    } finally {
      this.inFlight--;
    }
  }
}

export interface OpenedPage {
  page: Page;
  /** script errors and console errors (except those `ignoreConsole` matches) */
  errors: string[];
  /** requests that left the fake host */
  foreign: string[];
}

/**
 * Registers the browser's lifecycle with jest (launched once, a fresh profile per test, the fake
 * host reset before each) and returns `open(width, height)`.
 */
export function dashboardBrowser(api: FakeFunctionsHost, ignoreConsole: RegExp): (width?: number, height?: number) => Promise<OpenedPage> {
  let browser: Browser;
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    expect(existsSync(CHROMIUM)).toBe(true);
    await api.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await api.stop();
  });
  beforeEach(() => api.reset());
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  // a fresh browser profile (so no key from an earlier test) at a laptop's size by default
  return async (width = 1366, height = 768) => {
    context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    const errors: string[] = [];
    const foreign: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' && !ignoreConsole.test(m.text())) errors.push(m.text());
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(api.url) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    return { page, errors, foreign };
  };
}

/** Waits for a condition on this side (the fake host's records), checking every few milliseconds. */
export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
