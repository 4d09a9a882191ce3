// Failover notifications: a JSON POST to a webhook whose URL is held by an app setting.
//
// The URL is a secret in practice: a Logic App trigger carries its signature in the query (sig=...),
// a Teams or Slack incoming webhook carries its key in the path. So nothing returned from here shows
// more of it than sanitizeUrl allows (scheme, host, port; the path only on hosts whose paths hold no
// secret) with any query shown as `?…`, and every error text goes through redactSecrets after the
// URL's own parts have been taken out of it.
//
// Delivery is at least once: the receiver deduplicates by the notification's id, which is in the
// body and in the x-mi-autopilot-notification-id header, so a retry after a lost answer (or a send
// repeated after a crash) does no harm.
import { REDACTED, redactSecrets, sanitizeUrl } from '../redact';

export interface Notification {
  /** 'decision' | 'approval-needed' | 'outcome' */
  kind: 'decision' | 'approval-needed' | 'outcome';
  /** stable id: the receiver deduplicates by it (the same notification may be sent twice after a crash) */
  id: string;
  link: string;
  /** one plain sentence a DBA reads at night */
  summary: string;
  at: string; // ISO time
  /** the JSON detail (a decision, an operation's public view) */
  detail: unknown;
}

export interface NotifyResult {
  delivered: boolean;
  attempts: number;
  /** the HTTP status of the last answer, when the last attempt got one */
  status?: number;
  /** why it was not delivered; never holds the URL's query or a secret */
  error?: string;
}

export interface WebhookOptions {
  /** attempts in all, the first included; default 4 */
  maxAttempts?: number;
  /** per attempt, from the request to the answer's status line; default 5000 */
  timeoutMs?: number;
  /** the first retry's delay, doubling on each retry, capped at 8000; a Retry-After (up to 30 s) wins; default 500 */
  backoffMs?: number;
  /** how to wait between attempts (tests pass their own) */
  sleep?: (ms: number) => Promise<void>;
}

export const NOTIFICATION_ID_HEADER = 'x-mi-autopilot-notification-id';
export const USER_AGENT = 'mi-autopilot';

const DEFAULT_MAX_ATTEMPTS = 4;
const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;
const MAX_RETRY_AFTER_MS = 30_000;
/** how much of a refusing receiver's answer is quoted in the error, and how much of it is read */
const EXCERPT_CHARS = 200;
const READ_CHARS = 4_096;
/** an id goes into a header: printable ASCII only, and not unbounded */
const VALID_ID = /^[\x21-\x7e](?:[\x20-\x7e]{0,254}[\x21-\x7e])?$/;

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** a finite number at least `min`, else the default */
function option(value: number | undefined, fallback: number, min: number): number {
  return value !== undefined && Number.isFinite(value) && value >= min ? value : fallback;
}

/** What one attempt came to; its texts already scrubbed. */
type Attempt =
  | { kind: 'answered'; status: number; statusText: string; retryAfterMs?: number; excerpt?: string }
  | { kind: 'failed'; error: string };

/** The webhook's URL and how to show it and scrub it from text. */
interface Target {
  url: URL;
  /** scheme://host[:port]/path as sanitizeUrl allows it, `?…` for any query */
  shown: string;
  /** exact strings taken out of any text before redactSecrets sees it: the URL and its secret-bearing parts */
  secrets: string[];
}

type Resolved = { ok: true; target: Target } | { ok: false; error: string };

function resolveTarget(setting: string, raw: string | undefined): Resolved {
  const value = raw?.trim();
  if (!value) {
    return { ok: false, error: `app setting ${setting} is not set: it should hold the http(s) URL that receives the failover notifications` };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, error: `app setting ${setting} is not an http(s) URL: it should hold the URL that receives the failover notifications` };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return { ok: false, error: `app setting ${setting} is not an http(s) URL: only http:// and https:// URLs are accepted` };
  }
  if (url.username !== '' || url.password !== '') {
    return {
      ok: false,
      error: `app setting ${setting} holds a URL with a user name or password, which is not supported: put the receiver's key in its path or query instead`,
    };
  }
  const base = sanitizeUrl(`${url.protocol}//${url.host}${url.pathname}`);
  const shown = url.search ? `${base}?…` : base;
  const secrets = new Set<string>([value, url.href]);
  if (url.search.length > 1) {
    secrets.add(url.search);
    secrets.add(url.search.slice(1));
    // each value as sent (percent-encoded) and as decoded; short ones (true, 1.0) would only blur the text
    for (const part of url.search.slice(1).split('&')) {
      const v = part.slice(part.indexOf('=') + 1);
      if (v.length >= 6) secrets.add(v);
    }
    for (const [, v] of url.searchParams) if (v.length >= 6) secrets.add(v);
  }
  // a path sanitizeUrl hides is a secret in its own right (Teams, Slack, Discord webhooks)
  if (!base.endsWith(url.pathname) && url.pathname.length > 1) secrets.add(url.pathname);
  if (url.hash.length > 1) secrets.add(url.hash);
  // longest first, so a part of a longer secret is not replaced before the whole
  return { ok: true, target: { url, shown, secrets: [...secrets].sort((a, b) => b.length - a.length) } };
}

/** Text safe to return: the target's own secrets out, then everything redactSecrets knows. */
function scrub(text: string, target: Target | undefined): string {
  let out = text;
  if (target) for (const s of target.secrets) out = out.split(s).join(REDACTED);
  return redactSecrets(out);
}

/** an Error's message (and its code), also for errors from another realm, where instanceof Error fails */
function errorFields(err: unknown): { message: string; code?: string; cause?: unknown } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { message?: unknown; code?: unknown; cause?: unknown };
  if (typeof e.message !== 'string') return undefined;
  return { message: e.message, ...(typeof e.code === 'string' ? { code: e.code } : {}), cause: e.cause };
}

function describeError(err: unknown): string {
  const e = errorFields(err);
  if (!e) return String(err);
  // fetch's own message is "fetch failed"; the cause says what failed (connect ECONNREFUSED ...)
  const cause = errorFields(e.cause);
  if (cause?.message && cause.message !== e.message) return `${e.message}: ${cause.message}`;
  if (cause?.code) return `${e.message}: ${cause.code}`;
  return e.message || e.code || 'unknown error';
}

/** Retry-After in seconds (or an HTTP date), capped at 30 s; undefined when absent or unreadable. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The start of the receiver's answer, raw, for the error (scrubbed by the caller); whatever goes
 * wrong reading it, what was read. Cut short, it ends at the last whitespace, so that no secret it
 * echoes is left half there, too short for scrub to recognise.
 */
async function readAnswer(res: Response): Promise<string> {
  const body = res.body;
  if (!body) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let complete = false;
  try {
    while (text.length < READ_CHARS) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        break;
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // the answer's body is a courtesy: its status already says what happened
  } finally {
    reader.cancel().catch(() => undefined);
  }
  if (complete) return text;
  const cut = text.slice(0, READ_CHARS).search(/\s\S*$/);
  return cut < 0 ? '' : text.slice(0, cut);
}

/** the receiver's answer as one scrubbed line of at most EXCERPT_CHARS */
function excerptOf(raw: string, target: Target): string | undefined {
  const oneLine = scrub(raw, target).replace(/\s+/g, ' ').trim();
  if (!oneLine) return undefined;
  return oneLine.length > EXCERPT_CHARS ? `${oneLine.slice(0, EXCERPT_CHARS)}…` : oneLine;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function statusLine(a: { status: number; statusText: string }): string {
  return a.statusText ? `HTTP ${a.status} ${a.statusText}` : `HTTP ${a.status}`;
}

export class WebhookNotifier {
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly settings: Record<string, string | undefined>,
    options: WebhookOptions = {},
  ) {
    this.maxAttempts = Math.floor(option(options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 1));
    this.timeoutMs = option(options.timeoutMs, DEFAULT_TIMEOUT_MS, 1);
    this.backoffMs = option(options.backoffMs, DEFAULT_BACKOFF_MS, 0);
    this.sleep = options.sleep ?? realSleep;
  }

  /** POSTs the notification as JSON to the URL held by app setting `webhookSetting`. Never throws: returns what happened. */
  async send(webhookSetting: string, n: Notification): Promise<NotifyResult> {
    let target: Target | undefined;
    let attempts = 0;
    try {
      const resolved = resolveTarget(webhookSetting, this.settings[webhookSetting]);
      if (!resolved.ok) return { delivered: false, attempts: 0, error: resolved.error };
      target = resolved.target;
      const where = `webhook ${webhookSetting} (${target.shown})`;

      if (typeof n.id !== 'string' || !VALID_ID.test(n.id)) {
        return { delivered: false, attempts: 0, error: `notification not sent to ${where}: its id must be 1 to 256 printable ASCII characters` };
      }
      let body: string;
      try {
        body = JSON.stringify({ id: n.id, kind: n.kind, link: n.link, summary: n.summary, at: n.at, detail: n.detail });
      } catch (err) {
        return { delivered: false, attempts: 0, error: `notification ${n.id} not sent to ${where}: it cannot be written as JSON: ${scrub(describeError(err), target)}` };
      }
      const headers = { 'content-type': 'application/json', 'user-agent': USER_AGENT, [NOTIFICATION_ID_HEADER]: n.id };

      let last: Attempt | undefined;
      while (attempts < this.maxAttempts) {
        if (attempts > 0) await this.sleep(this.delayBefore(attempts, last));
        attempts++;
        last = await this.attempt(target, headers, body);
        if (last.kind === 'answered') {
          if (last.status >= 200 && last.status < 300) return { delivered: true, attempts, status: last.status };
          if (!retryable(last.status)) {
            const why = last.status >= 300 && last.status < 400 ? ' (redirects are not followed)' : '';
            const said = last.excerpt ? `: ${last.excerpt}` : '';
            return {
              delivered: false,
              attempts,
              status: last.status,
              error: `${where} answered ${statusLine(last)}${why}${said}; not retried`,
            };
          }
        }
      }
      const lastWords =
        last === undefined
          ? 'no attempt was made'
          : last.kind === 'failed'
            ? last.error
            : `the last answer was ${statusLine(last)}${last.excerpt ? `: ${last.excerpt}` : ''}`;
      return {
        delivered: false,
        attempts,
        ...(last?.kind === 'answered' ? { status: last.status } : {}),
        error: `notification ${n.id} not delivered to ${where} after ${plural(attempts, 'attempt')}: ${lastWords}`,
      };
    } catch (err) {
      // not expected (a sleep that throws, a bug): still an answer, never an exception
      return { delivered: false, attempts, error: `notification not sent to webhook ${webhookSetting}: ${scrub(describeError(err), target)}` };
    }
  }

  /** the wait before attempt number `done + 1`: the receiver's Retry-After if it gave one, else the backoff */
  private delayBefore(done: number, last: Attempt | undefined): number {
    if (last?.kind === 'answered' && last.retryAfterMs !== undefined) return last.retryAfterMs;
    return Math.min(this.backoffMs * 2 ** (done - 1), MAX_BACKOFF_MS);
  }

  private async attempt(target: Target, headers: Record<string, string>, body: string): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      // redirect: 'manual': a notification goes where the setting says, never on to another host
      const res = await fetch(target.url, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
      const answered = { kind: 'answered' as const, status: res.status, statusText: scrub(res.statusText, target) };
      if (res.status >= 200 && res.status < 300) {
        res.body?.cancel().catch(() => undefined);
        return answered;
      }
      const retryAfterMs = retryable(res.status) ? parseRetryAfter(res.headers.get('retry-after'), Date.now()) : undefined;
      const excerpt = excerptOf(await readAnswer(res), target);
      return { ...answered, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(excerpt ? { excerpt } : {}) };
    } catch (err) {
      if (timedOut) return { kind: 'failed', error: `timed out after ${this.timeoutMs} ms (each attempt)` };
      return { kind: 'failed', error: scrub(describeError(err), target) };
    } finally {
      clearTimeout(timer);
    }
  }
}
