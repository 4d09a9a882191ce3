/* istanbul ignore file -- these functions' source is inlined into the page: coverage counters would break it there */
// Pure formatting helpers of the dashboard, typed and unit-tested here, and inlined into the page
// through Function.prototype.toString. So each one is a plain `export function` that uses only its
// parameters, its own locals, the other functions of this file and the language's built-ins: no
// imports and no module-level constants (compiled to CommonJS, a reference to one would read
// `exports.x`, which the page does not have), and nothing that looks like a closing script tag.

/** What the API shows of an operation (functions/operationsApi.ts publicView), as the page reads it. */
export interface OperationView {
  id: string;
  kind: string;
  target: string;
  state: string;
  step: string;
  progress?: { percent: number; message?: string; at?: string };
  waitingFor?: string;
  nextRunAt?: string;
  ending?: { as: string; because?: { code: string; message: string }; fromStep?: string };
  error?: { code: string; message: string };
  output?: unknown;
  approval?: { prompt: string; requestedAt?: string; expiresAt?: string; decision?: string; decidedBy?: string; decidedVia?: string; decidedAt?: string; comment?: string };
  cancelRequested?: { by: string; reason: string; at: string };
  attempt?: number;
  createdAt?: string;
  startedAt?: string;
  updatedAt?: string;
  deadline?: string;
  createdBy?: string;
  retryOf?: string;
  input?: unknown;
}

/** The filters of the operations list, as kept in the URL's hash (never the key). */
export interface Filters {
  /** `recent`: open operations, then the most recent finished ones; `open`; `all`; or one state */
  state: string;
  kind: string;
  target: string;
  limit: number;
  /** the selected operation */
  op: string;
}

export interface Badge {
  label: string;
  cls: string;
  title: string;
}

export interface RowNote {
  /** an error code shown in bold before the text */
  code: string;
  text: string;
  /** the full text, for the hover title */
  full: string;
  tone: string;
}

export function escapeHtml(value: unknown): string {
  const s = value === undefined || value === null ? '' : String(value);
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Operation ids share their time prefix: the random tail is what tells them apart. */
export function shortId(id: string): string {
  return id.length > 12 ? '…' + id.slice(-8) : id;
}

/** "just now", "42 s ago", "2 min ago", "3 h ago", "5 d ago"; "in 4 min" for the future. */
export function relativeTime(iso: string | undefined, nowMs: number): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const diff = nowMs - t;
  const s = Math.round(Math.abs(diff) / 1000);
  if (s < 5) return 'just now';
  let amount: string;
  if (s < 60) amount = s + ' s';
  else if (s < 3600) amount = Math.floor(s / 60) + ' min';
  else if (s < 48 * 3600) amount = Math.floor(s / 3600) + ' h';
  else amount = Math.floor(s / 86400) + ' d';
  return diff >= 0 ? amount + ' ago' : 'in ' + amount;
}

/** "2026-12-05 02:00:13", in the browser's time zone or in UTC. */
export function absoluteTime(iso: string | undefined, utc: boolean): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const two = (n: number): string => (n < 10 ? '0' : '') + n;
  const y = utc ? d.getUTCFullYear() : d.getFullYear();
  const mo = utc ? d.getUTCMonth() : d.getMonth();
  const day = utc ? d.getUTCDate() : d.getDate();
  const h = utc ? d.getUTCHours() : d.getHours();
  const mi = utc ? d.getUTCMinutes() : d.getMinutes();
  const sec = utc ? d.getUTCSeconds() : d.getSeconds();
  return y + '-' + two(mo + 1) + '-' + two(day) + ' ' + two(h) + ':' + two(mi) + ':' + two(sec);
}

/** The hover text of a time: local and UTC, so a DBA can match it against server logs. */
export function timeTitle(iso: string | undefined): string {
  if (!iso) return '';
  return absoluteTime(iso, false) + ' local · ' + absoluteTime(iso, true) + ' UTC';
}

/**
 * A backup's start or finish date: SQL Server records them in the server's own clock, without a
 * zone, and the app reads them as UTC; so the ISO digits are the server's clock and are shown as they
 * are (matching the time in the backup's file name), not converted to the browser's zone.
 */
export function recordedTime(iso: unknown, withSeconds: boolean): string {
  if (typeof iso !== 'string' || !iso) return '';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(iso);
  if (!m) return iso;
  return m[1] + ' ' + m[2] + (withSeconds && m[3] ? m[3] : '');
}

/** "3 h 12 min left", "40 s left", "expired 5 min ago". */
export function timeLeft(iso: string | undefined, nowMs: number): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const left = Math.round((t - nowMs) / 1000);
  if (left <= 0) return 'expired ' + relativeTime(iso, nowMs);
  if (left < 60) return left + ' s left';
  if (left < 3600) return Math.floor(left / 60) + ' min left';
  const h = Math.floor(left / 3600);
  const min = Math.floor((left % 3600) / 60);
  return h + ' h' + (min ? ' ' + min + ' min' : '') + ' left';
}

/** "45 s", "4 min 12 s", "1 h 3 min". */
export function duration(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '');
  const min = Math.floor((s % 3600) / 60);
  return Math.floor(s / 3600) + ' h' + (min ? ' ' + min + ' min' : '');
}

export function isOpenState(state: string): boolean {
  return state === 'pending' || state === 'running' || state === 'waiting' || state === 'awaiting-approval';
}

/** A restore that found its blob already restored by another operation "succeeds" having done nothing. */
export function isSkipped(op: OperationView): boolean {
  const out = op.output;
  return op.state === 'succeeded' && typeof out === 'object' && out !== null && (out as { skipped?: unknown }).skipped === true;
}

/** The state as the row shows it: its name (never color alone), a class for its color, a hover text. */
export function stateBadge(op: OperationView): Badge {
  if (isSkipped(op)) {
    const reason = (op.output as { reason?: unknown }).reason;
    return { label: 'skipped', cls: 'skipped', title: 'nothing was done' + (typeof reason === 'string' && reason ? ': ' + reason : '') };
  }
  const titles: Record<string, string> = {
    pending: 'queued: no step has run yet, or the next one is about to',
    running: 'a step is running',
    waiting: 'waiting before its next step',
    'awaiting-approval': 'waiting for someone to approve or reject it',
    succeeded: 'finished successfully',
    failed: 'ended with an error',
    cancelled: 'cancelled',
  };
  let title = titles[op.state] ?? op.state;
  if (op.cancelRequested && isOpenState(op.state)) title += '; cancel requested by ' + op.cancelRequested.by;
  if (op.ending && isOpenState(op.state)) title += '; cleaning up before it ends ' + op.ending.as;
  return { label: op.state, cls: op.state, title };
}

/** "full + diff + 3 log" for a chain of backups. */
export function chainKinds(kinds: string[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < kinds.length) {
    let j = i;
    while (j < kinds.length && kinds[j] === kinds[i]) j++;
    const name = kinds[i] === 'differential' ? 'diff' : kinds[i];
    parts.push((j - i > 1 ? j - i + ' ' : '') + name);
    i = j;
  }
  return parts.join(' + ');
}

/**
 * What a restore restored, in a few words for its row: "full 2026-12-05 02:00, 2 stripes", or for a
 * chain "full + 2 log, up to 2026-12-05 04:01 (4 files)". Older outputs have only `files`.
 */
export function backupSummary(output: unknown): string {
  if (typeof output !== 'object' || output === null) return '';
  const o = output as { skipped?: unknown; backup?: unknown; chain?: unknown; files?: unknown };
  if (o.skipped === true) return '';
  const kindOf = (x: unknown): string => {
    const k = typeof x === 'object' && x !== null ? (x as { kind?: unknown }).kind : undefined;
    return typeof k === 'string' ? k : '?';
  };
  const filesOf = (x: unknown): number => {
    const f = typeof x === 'object' && x !== null ? (x as { files?: unknown }).files : undefined;
    return Array.isArray(f) ? f.length : 0;
  };
  const backup = typeof o.backup === 'object' && o.backup !== null ? (o.backup as { kind?: unknown; backupFinishDate?: unknown; files?: unknown }) : undefined;
  const chain = Array.isArray(o.chain) ? (o.chain as unknown[]) : [];
  if (chain.length > 1) {
    const last = backup ?? chain[chain.length - 1];
    const when = recordedTime((last as { backupFinishDate?: unknown }).backupFinishDate, false);
    const files = chain.reduce((n: number, s) => n + filesOf(s), 0);
    return chainKinds(chain.map(kindOf)) + (when ? ', up to ' + when : '') + (files ? ' (' + files + ' files)' : '');
  }
  if (backup) {
    const when = recordedTime(backup.backupFinishDate, false);
    const n = filesOf(backup);
    return kindOf(backup) + (when ? ' ' + when : '') + (n > 1 ? ', ' + n + ' stripes' : '');
  }
  if (Array.isArray(o.files) && o.files.length > 0) {
    const files = o.files as unknown[];
    const stripesOf = (x: unknown): number => {
      const s = typeof x === 'object' && x !== null ? (x as { stripes?: unknown }).stripes : undefined;
      return typeof s === 'number' ? s : 1;
    };
    if (files.length === 1) {
      const n = stripesOf(files[0]);
      return kindOf(files[0]) + (n > 1 ? ', ' + n + ' stripes' : '');
    }
    return chainKinds(files.map(kindOf)) + ' (' + files.reduce((n: number, f) => n + stripesOf(f), 0) + ' files)';
  }
  return '';
}

/** "41000000012300001 – 41000000045600001"; the dash keeps to the first LSN when the line breaks. */
export function lsnRange(first: unknown, last: unknown): string {
  const f = typeof first === 'string' || typeof first === 'number' ? String(first) : '';
  const l = typeof last === 'string' || typeof last === 'number' ? String(last) : '';
  if (!f && !l) return '';
  return (f || '?') + '\u00a0– ' + (l || '?');
}

/** The row's "reason / result" column: why it waits, how it failed, or what it restored. */
export function rowNote(op: OperationView): RowNote {
  const note = (code: string, text: string, tone: string): RowNote => ({ code, text, full: (code ? code + ': ' : '') + text, tone });
  const out = typeof op.output === 'object' && op.output !== null ? (op.output as { reason?: unknown; coveredBy?: unknown }) : {};
  if (isSkipped(op)) {
    const reason = typeof out.reason === 'string' ? out.reason : 'already restored by another operation';
    return note('', reason, 'muted');
  }
  if (op.error) return note(op.error.code, op.error.message, 'err');
  if (op.ending && isOpenState(op.state)) {
    const because = op.ending.because;
    return note(because ? because.code : '', 'cleaning up before it ends ' + op.ending.as + (because ? ': ' + because.message : ''), 'err');
  }
  if (op.cancelRequested && isOpenState(op.state)) return note('', 'cancel requested by ' + op.cancelRequested.by + ': ' + op.cancelRequested.reason, 'warn');
  if (op.state === 'awaiting-approval') return note('', 'needs approval: ' + (op.approval ? op.approval.prompt : ''), 'warn');
  if (op.waitingFor) return note('', op.waitingFor, 'warn');
  if (op.state === 'running' && op.progress && op.progress.message) return note('', op.progress.message, '');
  if (op.state === 'succeeded' && op.kind === 'restore') return note('', backupSummary(op.output), '');
  if (op.state === 'succeeded' && op.kind === 'failover') return note('', failoverSummary(op.output), '');
  if (op.state === 'succeeded' && op.kind === 'refresh') return note('', refreshSummary(op.output), notMaskedColumns(op.output).length ? 'warn' : '');
  return note('', '', '');
}

/** Which buttons an operation gets, in the order they are shown. */
export function allowedActions(op: OperationView): string[] {
  if (op.state === 'awaiting-approval') return op.cancelRequested ? ['approve', 'reject'] : ['approve', 'reject', 'cancel'];
  if (isOpenState(op.state)) return op.cancelRequested ? [] : ['cancel'];
  if (op.state === 'failed' || op.state === 'cancelled') return ['retry'];
  return [];
}

/** The filters a hash ("#state=failed&kind=restore&limit=25") asks for; anything unknown is dropped. */
export function parseFilters(hash: string): Filters {
  const params = new URLSearchParams(hash.charAt(0) === '#' ? hash.slice(1) : hash);
  const states = ['recent', 'open', 'all', 'pending', 'running', 'waiting', 'awaiting-approval', 'succeeded', 'failed', 'cancelled'];
  const state = params.get('state') ?? '';
  const kind = (params.get('kind') ?? '').trim().toLowerCase();
  const limit = Number(params.get('limit'));
  const op = params.get('op') ?? '';
  return {
    state: states.indexOf(state) >= 0 ? state : 'recent',
    kind: /^[a-z][a-z0-9-]{0,63}$/.test(kind) ? kind : '',
    target: (params.get('target') ?? '').trim().slice(0, 200),
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 1000 ? limit : 50,
    op: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(op) ? op : '',
  };
}

/** The hash for filters: only what differs from the defaults, and never anything but these fields. */
export function filtersHash(f: Filters): string {
  const params = new URLSearchParams();
  if (f.state && f.state !== 'recent') params.set('state', f.state);
  if (f.kind) params.set('kind', f.kind);
  if (f.target) params.set('target', f.target);
  if (f.limit && f.limit !== 50) params.set('limit', String(f.limit));
  if (f.op) params.set('op', f.op);
  return params.toString();
}

/** The query of GET /api/operations for the filters, with `state` as given (empty: every state). */
export function operationsQuery(f: Filters, state: string, continuation: string | undefined): string {
  const params = new URLSearchParams();
  if (state) params.set('state', state);
  if (f.kind) params.set('kind', f.kind);
  if (f.target) params.set('target', f.target);
  params.set('limit', String(f.limit));
  if (continuation) params.set('continuation', continuation);
  return params.toString();
}

/** An API error in plain words: the app's own message when it sent one, else what the status means. */
export function apiErrorText(status: number, body: unknown): string {
  const error = typeof body === 'object' && body !== null ? (body as { error?: { code?: unknown; message?: unknown } }).error : undefined;
  if (error && typeof error.message === 'string') {
    return error.message + ' (' + (typeof error.code === 'string' ? error.code + ', ' : '') + 'HTTP ' + status + ')';
  }
  if (status === 401) return 'the function key was refused (401)';
  if (status === 403) return 'the app refused the request (403)';
  if (status === 404) return 'not found (404): this app has no such endpoint or operation';
  if (status === 0) return 'the app could not be reached';
  return 'the app answered HTTP ' + status + ' without an explanation';
}

// ---- links (GET /api/links, functions/linksApi.ts), as the Links panel reads them

export interface LinkReasonView {
  code: string;
  severity: string;
  message: string;
  database?: string;
}

/** One sample of a link's lag over the last hour: null when the sample knew no lag. */
export interface LagPoint {
  at: string;
  lagSeconds: number | null;
  state?: string;
}

export interface LinkView {
  name: string;
  sqlServer: string;
  managedInstance: string;
  expectedPrimary: string;
  state: string;
  since?: string;
  message?: string;
  reasons?: LinkReasonView[];
  observed?: string;
  sampledAt?: string;
  roles?: { sqlServer?: string; managedInstance?: string };
  primary?: string;
  lagSeconds?: number;
  rpoSeconds?: number;
  rtoSeconds?: number;
  logSendQueueKb?: number;
  redoQueueKb?: number;
  notes?: string[];
  confirmationDueAt?: string;
  lag?: LagPoint[];
}

export interface LinkSummary {
  healthy: number;
  degraded: number;
  unknown: number;
  broken: number;
  total: number;
  /** "97 healthy, 2 degraded, 1 broken" */
  text: string;
}

export interface RolesText {
  /** "sql-onprem PRIMARY → mi-prod SECONDARY", the primary first */
  text: string;
  /** the primary is not the one the estate expects, or no side (or both) is primary */
  unexpected: boolean;
  title: string;
}

/** A link state the page knows, else `unknown` (so that it is never shown as healthy, nor as a class it has no color for). */
export function linkState(state: unknown): string {
  return state === 'healthy' || state === 'degraded' || state === 'broken' || state === 'unknown' ? state : 'unknown';
}

/** The order of the panel: what needs a DBA first (broken, unknown, degraded), healthy last. */
export function linkStateRank(state: unknown): number {
  return ['broken', 'unknown', 'degraded', 'healthy'].indexOf(linkState(state));
}

/** The links, the worst first, by name within a state. */
export function linkSort(links: LinkView[]): LinkView[] {
  return links.slice().sort((a, b) => {
    const r = linkStateRank(a.state) - linkStateRank(b.state);
    if (r) return r;
    const x = String(a.name).toLowerCase();
    const y = String(b.name).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** The state as its badge shows it: the word (never color alone), a class for its color, a hover text. */
export function linkStateBadge(link: LinkView): Badge {
  const state = linkState(link.state);
  const titles: Record<string, string> = {
    healthy: 'healthy: the link replicates within its thresholds',
    degraded: 'degraded: the link replicates, but behind or at risk',
    broken: 'broken: the link does not replicate, or both sides are primary',
    unknown: link.sampledAt ? 'unknown: the monitor could not read the link (an instance did not answer)' : 'unknown: the link was never sampled',
  };
  let title = titles[state];
  if (link.observed && link.observed !== link.state) title += '; the last sample alone says ' + link.observed;
  return { label: state, cls: 'link-' + state, title };
}

/** How many links are in each state, and that in words ("97 healthy, 2 degraded, 1 broken"). */
export function linkSummaryCounts(links: LinkView[]): LinkSummary {
  const c: Record<string, number> = { healthy: 0, degraded: 0, unknown: 0, broken: 0 };
  for (const l of links) c[linkState(l.state)]++;
  const parts = ['healthy', 'degraded', 'unknown', 'broken'].filter((s) => c[s] > 0).map((s) => c[s] + ' ' + s);
  return { healthy: c.healthy, degraded: c.degraded, unknown: c.unknown, broken: c.broken, total: links.length, text: parts.length ? parts.join(', ') : 'no links in the estate' };
}

/** Which side is primary and which secondary, the primary first, and whether that is what the estate expects. */
export function rolesText(link: LinkView): RolesText {
  const names: Record<string, string> = { sqlServer: link.sqlServer, managedInstance: link.managedInstance };
  const roles = link.roles ?? {};
  const roleOf = (side: string): string => (side === 'sqlServer' ? roles.sqlServer : roles.managedInstance) ?? '?';
  const expected = link.expectedPrimary === 'managedInstance' ? 'managedInstance' : 'sqlServer';
  const otherOf = (side: string): string => (side === 'sqlServer' ? 'managedInstance' : 'sqlServer');
  if (!roles.sqlServer && !roles.managedInstance) {
    return { text: names[expected] + ' → ' + names[otherOf(expected)], unexpected: false, title: 'roles not known yet; the estate expects ' + names[expected] + ' to be the primary' };
  }
  if (roles.sqlServer === 'PRIMARY' && roles.managedInstance === 'PRIMARY') {
    return { text: names.sqlServer + ' PRIMARY ⇄ ' + names.managedInstance + ' PRIMARY', unexpected: true, title: 'both sides say they are the primary (split brain)' };
  }
  const primary =
    link.primary === 'sqlServer' || link.primary === 'managedInstance'
      ? link.primary
      : roles.sqlServer === 'PRIMARY'
        ? 'sqlServer'
        : roles.managedInstance === 'PRIMARY'
          ? 'managedInstance'
          : '';
  const first = primary || expected;
  const text = names[first] + ' ' + roleOf(first) + ' → ' + names[otherOf(first)] + ' ' + roleOf(otherOf(first));
  if (!primary && (!roles.sqlServer || !roles.managedInstance)) {
    const unread = roles.sqlServer ? names.managedInstance : names.sqlServer;
    return { text, unexpected: false, title: unread + "'s role is not known (it was not read in the last sample); the estate expects " + names[expected] + ' to be the primary' };
  }
  if (!primary) return { text, unexpected: true, title: 'neither side is the primary; the estate expects ' + names[expected] };
  if (primary !== expected) return { text, unexpected: true, title: names[primary] + ' is the primary; the estate expects ' + names[expected] + ' (failed over?)' };
  return { text, unexpected: false, title: names[primary] + ' is the primary, as the estate expects' };
}

/** The link's message without the state it starts with ("degraded: Sales is 312 s behind"): the badge beside it says that. */
export function linkMessage(link: LinkView): string {
  const m = typeof link.message === 'string' ? link.message : '';
  const prefix = String(link.state) + ': ';
  return m.slice(0, prefix.length) === prefix && m.length > prefix.length ? m.slice(prefix.length) : m;
}

/** Lag, RPO, RTO: "0 s", "45 s", "4 min 12 s"; "–" when unknown. */
export function secondsText(seconds: unknown): string {
  return duration(seconds) || '–';
}

/** The largest lag of the points, undefined when none knew one. */
export function lagMax(points: LagPoint[]): number | undefined {
  let max: number | undefined;
  for (const p of points) {
    const v = p.lagSeconds;
    if (typeof v === 'number' && Number.isFinite(v) && (max === undefined || v > max)) max = v;
  }
  return max;
}

/**
 * Where each point goes across a sparkline `width` wide, with a pixel's margin: by its time between
 * `fromMs` and `toMs` (both given), else between the first and the last point's (a single point:
 * at the right, the newest end); by its index when a time does not parse.
 */
export function sparklineXs(points: LagPoint[], width: number, fromMs?: number, toMs?: number): number[] {
  const times = points.map((p) => Date.parse(p.at));
  const byTime = times.every((t) => !Number.isNaN(t));
  const ts = byTime ? times : points.map((_p, i) => i);
  const windowed = byTime && typeof fromMs === 'number' && typeof toMs === 'number' && toMs > fromMs;
  const from = windowed ? (fromMs as number) : ts.length ? ts[0] : 0;
  const to = windowed ? (toMs as number) : ts.length ? ts[ts.length - 1] : 0;
  const span = to - from;
  return ts.map((t) => {
    const f = span > 0 ? Math.min(1, Math.max(0, (t - from) / span)) : 1;
    return Math.round((1 + f * (width - 2)) * 10) / 10;
  });
}

/**
 * The SVG path of a lag sparkline: y from 0 (bottom) to the largest lag (top), or to `minScale` when
 * the lags are all smaller (so that a second of noise does not fill the height); a point with no lag
 * breaks the line; a point alone is a dot (a zero-length segment, drawn with round caps). '' when no
 * point has a lag.
 */
export function sparklinePath(points: LagPoint[], width: number, height: number, fromMs?: number, toMs?: number, minScale?: number): string {
  const xs = sparklineXs(points, width, fromMs, toMs);
  const max = Math.max(lagMax(points) ?? 0, typeof minScale === 'number' && minScale > 0 ? minScale : 0);
  const r = (n: number): number => Math.round(n * 10) / 10;
  let d = '';
  let run = 0;
  for (let i = 0; i < points.length; i++) {
    const v = points[i].lagSeconds;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      if (run === 1) d += 'h0';
      run = 0;
      continue;
    }
    const y = r(height - 1 - (max > 0 ? (Math.max(0, v) / max) * (height - 2) : 0));
    d += (run === 0 ? (d ? ' M' : 'M') : ' L') + xs[i] + ' ' + y;
    run++;
  }
  if (run === 1) d += 'h0';
  return d;
}

/**
 * The stretches of a sparkline where the samples were not healthy, for a colored band behind the
 * line: a sample's state holds from its x to the next sample's (the last one's, to the right end);
 * consecutive samples of one state make one band, at least a pixel wide.
 */
export function sparklineBands(points: LagPoint[], width: number, fromMs?: number, toMs?: number): Array<{ x: number; w: number; state: string }> {
  const xs = sparklineXs(points, width, fromMs, toMs);
  const bands: Array<{ x: number; w: number; state: string }> = [];
  let open: { x: number; end: number; state: string } | undefined;
  const close = (): void => {
    if (open) bands.push({ x: open.x, w: Math.round(Math.max(1, open.end - open.x) * 10) / 10, state: open.state });
    open = undefined;
  };
  for (let i = 0; i < points.length; i++) {
    const state = linkState(points[i].state);
    const end = i + 1 < points.length ? xs[i + 1] : width - 1;
    if (open && open.state === state) open.end = end;
    else {
      close();
      if (state !== 'healthy') open = { x: xs[i], end, state };
    }
  }
  close();
  return bands;
}

/** The hover text of a sparkline: "lag, last hour: max 4 min 12 s, latest 12 s · 60 samples, 2 without a lag". */
export function sparklineTitle(points: LagPoint[]): string {
  const max = lagMax(points);
  let latest: number | undefined;
  let gaps = 0;
  let bad = 0;
  for (const p of points) {
    if (typeof p.lagSeconds === 'number' && Number.isFinite(p.lagSeconds)) latest = p.lagSeconds;
    else gaps++;
    if (p.state && p.state !== 'healthy') bad++;
  }
  const n = points.length;
  const counts = n + (n === 1 ? ' sample' : ' samples') + (gaps ? ', ' + gaps + ' without a lag' : '') + (bad ? ', ' + bad + ' not healthy' : '');
  if (max === undefined) return 'lag, last hour: none known · ' + counts;
  return 'lag, last hour: max ' + duration(max) + ', latest ' + duration(latest) + ' · ' + counts;
}

/** A reason with its code and database: "LAG_ABOVE_THRESHOLD (Sales): Sales on mi-prod is 312 s behind (threshold 60 s)". */
export function linkReasonText(reason: LinkReasonView): string {
  return reason.code + (reason.database ? ' (' + reason.database + ')' : '') + ': ' + reason.message;
}

/** "812 KB", "12.4 MB", "1.2 GB". */
export function kbText(kb: unknown): string {
  if (typeof kb !== 'number' || !Number.isFinite(kb) || kb < 0) return '';
  if (kb < 1024) return Math.round(kb) + ' KB';
  if (kb < 1024 * 1024) return Math.round((kb / 1024) * 10) / 10 + ' MB';
  return Math.round((kb / 1024 / 1024) * 10) / 10 + ' GB';
}

/** "log send queue 12.4 MB · redo queue 812 KB", of the worst database; '' when neither is known. */
export function linkQueuesText(link: LinkView): string {
  const parts: string[] = [];
  if (kbText(link.logSendQueueKb)) parts.push('log send queue ' + kbText(link.logSendQueueKb));
  if (kbText(link.redoQueueKb)) parts.push('redo queue ' + kbText(link.redoQueueKb));
  return parts.join(' · ');
}

// ---- failover (shared/failover/types.ts): a link's decisions (GET /api/links/{name}/decisions), the
// refusal of POST /api/failovers, a failover operation's output, the approvals waiting

export interface DecisionReasonView {
  code: string;
  message: string;
}

export interface LossEstimateView {
  seconds: number;
  basedOnSampleAt?: string;
  rpoSecondsAtSample?: number;
  sampleAgeSeconds?: number;
}

/** A stored decision (StoredDecision), as the page reads it. */
export interface DecisionView {
  link?: string;
  kind: string;
  type?: string;
  toSide?: string;
  estimate?: LossEstimateView;
  dryRun?: boolean;
  wouldBe?: string;
  reasons?: DecisionReasonView[];
  summary?: string;
  signalKey?: string;
  decidedAt?: string;
  signal?: { kind?: string; description?: string };
  operationId?: string;
  deliveries?: number;
}

/** The link's failover policy (the estate's `failover`), as GET /api/links/{name}/decisions sends it. */
export interface FailoverPolicyView {
  mode?: string;
  allowedTypes?: string[];
  dataLossBudgetSeconds?: number;
  cooldownMinutes?: number;
  consecutiveSignals?: number;
  approvalTimeoutMinutes?: number;
  dryRun?: boolean;
}

export interface FailoverSideView {
  instance: string;
  role?: string;
  availabilityMode?: string;
}

/** What a failover operation did or (dry run) would do (FailoverOutput). */
export interface FailoverOutputView {
  link?: string;
  type?: string;
  dryRun?: boolean;
  toSide?: string;
  plan?: string[];
  checks?: Array<{ code: string; ok: boolean; message: string }>;
  estimate?: LossEstimateView;
  sides?: { sqlServer?: FailoverSideView; managedInstance?: FailoverSideView };
  actions?: Array<{ at: string; what: string }>;
  redirect?: { fqdn: string; previous?: string; current: string; changed: boolean };
  preserved?: Array<{ database: string; blobUrl: string; firstLsn: string; lastLsn: string }>;
  followUp?: string[];
}

export interface FailoverRefusal {
  /** the decision's summary, else the error's message */
  summary: string;
  code: string;
  reasons: DecisionReasonView[];
  decision?: DecisionView;
}

/** A decision's kind as its badge shows it: the word, a class for its color, what it meant. */
export function decisionBadge(d: DecisionView): Badge {
  const kinds: Record<string, string> = {
    none: 'nothing to do: no operation started',
    notify: 'notified only: no operation started',
    'await-approval': 'an operation started that waits for a person to approve it',
    act: 'an operation started',
  };
  const known = Object.prototype.hasOwnProperty.call(kinds, d.kind);
  let title = known ? kinds[d.kind] : String(d.kind);
  if (d.wouldBe) title += '; the policy is a dry run: it would have been ' + d.wouldBe;
  else if (d.dryRun) title += '; a dry run (it changes nothing)';
  return { label: String(d.kind), cls: 'dk-' + (known ? d.kind : 'unknown'), title };
}

/** "est. loss 12 s", "est. loss 4 min 12 s"; '' when there is no estimate. */
export function estimateText(estimate: unknown): string {
  const s = typeof estimate === 'object' && estimate !== null ? (estimate as { seconds?: unknown }).seconds : undefined;
  const d = duration(s);
  return d ? 'est. loss ' + d : '';
}

/** What the estimate is made of: "RPO 10 s at the last sample both sides answered (2026-12-05 02:00:13) + 2 s since"; '' when unknown. */
export function estimateTitle(estimate: unknown): string {
  if (typeof estimate !== 'object' || estimate === null) return '';
  const e = estimate as LossEstimateView;
  const rpo = duration(e.rpoSecondsAtSample);
  const age = duration(e.sampleAgeSeconds);
  const at = e.basedOnSampleAt ? absoluteTime(e.basedOnSampleAt, false) : '';
  if (!rpo && !at) return '';
  return 'RPO ' + (rpo || '?') + ' at the last sample both sides answered' + (at ? ' (' + at + ')' : '') + (age ? ' + ' + age + ' since' : '');
}

/** "delivered 3×" when the same signal came more than once (it is decided once); '' otherwise. */
export function deliveriesText(deliveries: unknown): string {
  return typeof deliveries === 'number' && Number.isFinite(deliveries) && deliveries > 1 ? 'delivered ' + Math.round(deliveries) + '×' : '';
}

/** A side of a link: its instance's name when known, else "SQL Server" or "the managed instance"; '' for no side. */
export function sideName(side: unknown, link?: { sqlServer?: string; managedInstance?: string } | null): string {
  if (side === 'sqlServer') return (link && link.sqlServer) || 'SQL Server';
  if (side === 'managedInstance') return (link && link.managedInstance) || 'the managed instance';
  return '';
}

/** "forced → mi-prod": the playbook and the side it would make primary (its instance when the link is known). */
export function failoverWhat(d: { type?: string; toSide?: string }, link?: { sqlServer?: string; managedInstance?: string } | null): string {
  if (!d.type) return '';
  const to = sideName(d.toSide, link);
  return d.type + (to ? ' → ' + to : '');
}

/** The decision's summary without the link's name it starts with ("Link_Sales: nothing to do (...)"): the panel names the link. */
export function decisionSummary(d: DecisionView): string {
  const s = typeof d.summary === 'string' ? d.summary : '';
  const prefix = (d.link ? String(d.link) : '') + ': ';
  return d.link && s.slice(0, prefix.length) === prefix && s.length > prefix.length ? s.slice(prefix.length) : s;
}

/** The policy in one line: "policy approval · allows planned, forced · data-loss budget 30 s · cooldown 60 min · …". */
export function policyText(policy: unknown): string {
  if (typeof policy !== 'object' || policy === null) return '';
  const p = policy as FailoverPolicyView;
  const parts: string[] = [];
  if (p.mode) parts.push('policy ' + p.mode);
  if (Array.isArray(p.allowedTypes) && p.allowedTypes.length) parts.push('allows ' + p.allowedTypes.join(', '));
  if (typeof p.dataLossBudgetSeconds === 'number') parts.push('data-loss budget ' + duration(p.dataLossBudgetSeconds));
  if (typeof p.cooldownMinutes === 'number') parts.push('cooldown ' + p.cooldownMinutes + ' min');
  if (typeof p.consecutiveSignals === 'number') parts.push(p.consecutiveSignals + (p.consecutiveSignals === 1 ? ' signal' : ' signals in a row') + ' before a forced failover');
  if (typeof p.approvalTimeoutMinutes === 'number') parts.push('approvals expire after ' + p.approvalTimeoutMinutes + ' min');
  if (p.dryRun) parts.push('dry run: signals start nothing');
  return parts.join(' · ');
}

/** Whether the policy lets this playbook run (unknown policy: yes, the API decides). */
export function typeAllowed(policy: unknown, type: string): boolean {
  const allowed = typeof policy === 'object' && policy !== null ? (policy as FailoverPolicyView).allowedTypes : undefined;
  return !Array.isArray(allowed) || allowed.indexOf(type) >= 0;
}

/** What a playbook does, in a sentence (README "Failover and failback"). */
export function failoverTypeText(type: string): string {
  const texts: Record<string, string> = {
    planned: 'SQL Server → managed instance without data loss: synchronous commit, wait until both sides hold the same log, ARM failover, verify the roles, back to asynchronous, redirect clients.',
    failback: 'Managed instance → SQL Server 2022: checks the update policy, TDE and the version, waits until both sides hold the same log, ARM failover, verify, redirect.',
    forced: 'The primary does not answer: fail over allowing data loss, only within the policy’s data-loss budget or after an approval that shows the estimate.',
    cutover: 'Migration: a planned failover, then the managed instance’s first automated full backup, then the link is deleted and the availability group dropped on SQL Server.',
    'offline-failback': 'A copy-only backup on the managed instance restored on SQL Server as <database>_failback; the link is re-created by hand afterwards (the steps come in its output).',
    'split-brain-repair': 'Both sides say PRIMARY: the old primary’s diverged data is backed up first, then it is demoted and resumed until it synchronizes.',
  };
  return Object.prototype.hasOwnProperty.call(texts, type) ? texts[type] : '';
}

/** The confirmation's words for POST /api/failovers: what a dry run or the real playbook does. */
export function failoverEffect(type: string, dryRun: boolean): string {
  const what = failoverTypeText(type);
  if (dryRun) return 'A dry run changes nothing: it checks both sides and returns the plan and every check’s verdict.' + (what ? ' The playbook: ' + what : '');
  return (what ? what + ' ' : '') + 'The link’s policy still decides (allowed types, cooldown, the link’s state, the data-loss budget): it may refuse, or wait for an approval.';
}

/** The refusal of POST /api/failovers (409 FAILOVER_NOT_STARTED with the decision), in plain parts; undefined when the body has neither. */
export function failoverRefusal(body: unknown): FailoverRefusal | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { error?: { code?: unknown; message?: unknown }; decision?: unknown };
  const decision = typeof b.decision === 'object' && b.decision !== null ? (b.decision as DecisionView) : undefined;
  const message = b.error && typeof b.error.message === 'string' ? b.error.message : '';
  const code = b.error && typeof b.error.code === 'string' ? b.error.code : '';
  if (!decision && !message) return undefined;
  const reasons = decision && Array.isArray(decision.reasons) ? decision.reasons.filter((r) => typeof r === 'object' && r !== null && typeof r.code === 'string') : [];
  const summary = decision && typeof decision.summary === 'string' && decision.summary ? decision.summary : message;
  return { summary, code, reasons, decision };
}

/** The operations awaiting a person's approval: failovers first, then the one that expires first. */
export function approvalsWaiting(ops: OperationView[]): OperationView[] {
  const seen = new Set<string>();
  const waiting = ops.filter((o) => {
    if (o.state !== 'awaiting-approval' || seen.has(o.id)) return false;
    seen.add(o.id);
    return true;
  });
  const expiry = (o: OperationView): number => {
    const t = Date.parse((o.approval && o.approval.expiresAt) || '');
    return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
  };
  return waiting.sort((a, b) => (a.kind === 'failover' ? 0 : 1) - (b.kind === 'failover' ? 0 : 1) || expiry(a) - expiry(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Each side's role at the end, the primary first: "mi-prod PRIMARY (synchronous) · sql-onprem SECONDARY". */
export function sidesText(sides: unknown): string {
  if (typeof sides !== 'object' || sides === null) return '';
  const s = sides as { sqlServer?: FailoverSideView; managedInstance?: FailoverSideView };
  const list = [s.sqlServer, s.managedInstance].filter((x): x is FailoverSideView => typeof x === 'object' && x !== null && typeof x.instance === 'string');
  list.sort((a, b) => (a.role === 'PRIMARY' ? 0 : 1) - (b.role === 'PRIMARY' ? 0 : 1));
  return list.map((x) => x.instance + ' ' + (x.role || 'role unknown') + (x.availabilityMode ? ' (' + x.availabilityMode + ')' : '')).join(' · ');
}

/** A failover's row note: "dry run: 8 steps planned, all 5 checks passed", or the roles it left. */
export function failoverSummary(output: unknown): string {
  if (typeof output !== 'object' || output === null) return '';
  const o = output as FailoverOutputView;
  const checks = Array.isArray(o.checks) ? o.checks : [];
  const failed = checks.filter((c) => typeof c === 'object' && c !== null && c.ok === false).length;
  const checkText = checks.length ? (failed ? failed + ' of ' + checks.length + ' checks failed' : (checks.length === 1 ? 'the check' : 'all ' + checks.length + ' checks') + ' passed') : '';
  if (o.dryRun) {
    const plan = Array.isArray(o.plan) ? o.plan.length + (o.plan.length === 1 ? ' step' : ' steps') + ' planned' : '';
    return 'dry run' + (plan || checkText ? ': ' + [plan, checkText].filter(Boolean).join(', ') : '');
  }
  const sides = sidesText(o.sides);
  const follow = Array.isArray(o.followUp) && o.followUp.length ? o.followUp.length + (o.followUp.length === 1 ? ' step' : ' steps') + ' left to do by hand' : '';
  return [sides, follow].filter(Boolean).join(' · ') || checkText;
}

/** The client redirection in words: "app-sales.db.internal → mi-prod.example (was sql-onprem.example)". */
export function redirectText(redirect: unknown): string {
  if (typeof redirect !== 'object' || redirect === null) return '';
  const r = redirect as { fqdn?: unknown; previous?: unknown; current?: unknown; changed?: unknown };
  const fqdn = typeof r.fqdn === 'string' ? r.fqdn : '?';
  const current = typeof r.current === 'string' ? r.current : '?';
  if (r.changed === false) return fqdn + ' → ' + current + ' (already pointed there)';
  return fqdn + ' → ' + current + (typeof r.previous === 'string' && r.previous ? ' (was ' + r.previous + ')' : '');
}

/** A blob's address without its query (a SAS token is a secret) or fragment. */
export function blobDisplay(url: unknown): string {
  if (typeof url !== 'string') return '';
  const cut = url.search(/[?#]/);
  return cut >= 0 ? url.slice(0, cut) : url;
}

// ---- refresh jobs (GET /api/refreshes, functions/refreshesApi.ts) and a refresh operation's output
// (shared/refresh/playbook.ts, its finish step)

/** A job's last run, as GET /api/refreshes sends it. */
export interface RefreshRunView {
  /** the schedule's slot (an ISO instant), or manual:<ISO instant> for Run now */
  slot: string;
  operationId: string;
  /** the operation's state; `unknown` when the operation is gone (retention) */
  state: string;
  startedAt: string;
  endedAt?: string;
  durationSeconds?: number;
  error?: { code: string; message: string };
}

/** One refresh job of the estate, with what its run store says. */
export interface RefreshJobView {
  name: string;
  /** NCRONTAB, six fields: second minute hour day month day-of-week */
  schedule: string;
  /** IANA time zone the schedule is read in */
  timeZone?: string;
  enabled: boolean;
  paused: boolean;
  /** "instance/database" */
  source: string;
  target: string;
  /** how a run copies the source: a copy-only backup restored on the target, or (managed instance to managed instance) a point-in-time restore */
  copy?: 'backup' | 'pointInTime';
  /** absent when the job is disabled or paused */
  nextRun?: string;
  lastRun?: RefreshRunView;
}

/** What a refresh operation leaves as its output when it succeeds. */
export interface RefreshOutputView {
  job?: string;
  slot?: string;
  source?: string;
  target?: string;
  /** the backup's blobs (stripes), each a URL */
  backup?: string[];
  /** the restore operation that restored the backup as the staging copy */
  restoreOperation?: string;
  phases?: Array<{ name: string; startedAt: string; endedAt?: string; seconds?: number }>;
  /** from: where each script was read ("script 1 (sanitize/mask.sql): blob /acct/estate/sanitize/mask.sql") */
  sanitized?: { scripts: number; from?: string[]; messages: string[] };
  /** orphaned users of the copy: re-mapped to the target's login of their name, left orphaned, or refused */
  users?: { remapped: string[]; orphaned: string[]; failed: string[] };
  /** "schema.table.column: why", each a column the sanitizing scripts could not have changed */
  notMasked?: string[];
  validation?: { tables: number; differences: string[] };
  /** the copy the refresh replaced, renamed aside */
  previousCopy?: string;
  /** older copies dropped by the job's retention */
  dropped?: string[];
  checks?: Array<{ code: string; ok: boolean; message: string }>;
}

export interface RefreshCounts {
  total: number;
  paused: number;
  disabled: number;
  /** jobs whose last run failed (or was cancelled) */
  failed: number;
  /** jobs whose last run is still open */
  running: number;
  /** "3 jobs · 1 paused · last runs: 1 failed, 1 running" */
  text: string;
}

/**
 * An NCRONTAB schedule (second minute hour day month day-of-week) in words, where that is simple:
 * "daily at 02:00", "Sundays at 02:00", "Monday to Friday at 01:30 and 13:30", "on the 1st of each
 * month at 03:00", "every 15 minutes", "every hour at :30"; '' for anything else (the page shows the
 * expression itself beside it in any case). The time zone is not part of it.
 */
export function scheduleText(schedule: unknown): string {
  if (typeof schedule !== 'string') return '';
  const f = schedule.trim().split(/\s+/);
  if (f.length !== 6) return '';
  const [sec, min, hour, dom, mon, dow] = f;
  const num = (s: string, max: number): number => (/^\d{1,2}$/.test(s) && Number(s) <= max ? Number(s) : -1);
  const two = (n: number): string => (n < 10 ? '0' : '') + n;
  const s = num(sec, 59);
  if (s < 0 || mon !== '*') return '';
  // every n minutes, every hour at :mm
  if (hour === '*' && dom === '*' && dow === '*') {
    if (s !== 0) return '';
    if (min === '*') return 'every minute';
    const step = /^\*\/(\d{1,2})$/.exec(min);
    if (step) {
      const n = Number(step[1]);
      return n >= 1 && 60 % n === 0 ? (n === 1 ? 'every minute' : 'every ' + n + ' minutes') : '';
    }
    const m = num(min, 59);
    return m < 0 ? '' : m === 0 ? 'every hour, on the hour' : 'every hour at :' + two(m);
  }
  const m = num(min, 59);
  if (m < 0) return '';
  // the hours: one, a list, or every n hours
  let hours: number[] = [];
  const every = /^\*\/(\d{1,2})$/.exec(hour);
  if (every) {
    const n = Number(every[1]);
    if (n < 1 || 24 % n !== 0) return '';
    for (let h = 0; h < 24; h += n) hours.push(h);
  } else {
    hours = hour.split(',').map((x) => num(x, 23));
    if (hours.some((h) => h < 0)) return '';
    hours = hours.filter((h, i) => hours.indexOf(h) === i).sort((a, b) => a - b);
  }
  if (!hours.length || hours.length > 6) return '';
  const times = hours.map((h) => two(h) + ':' + two(m) + (s ? ':' + two(s) : ''));
  const timeText = times.length === 1 ? times[0] : times.slice(0, -1).join(', ') + ' and ' + times[times.length - 1];
  // the days: every day, days of the week, or a day of the month (NCRONTAB ands the two: both is not simple)
  let days: string;
  if (dom === '*' && dow === '*') days = 'daily';
  else if (dom === '*') {
    const names = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
    const plural = ['Sundays', 'Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays'];
    const dayOf = (x: string): number => {
      const named = names.indexOf(x.toUpperCase());
      if (named >= 0) return named;
      const n = num(x, 7);
      return n === 7 ? 0 : n;
    };
    const set = new Set<number>();
    for (const part of dow.split(',')) {
      const range = part.split('-');
      if (range.length > 2) return '';
      const a = dayOf(range[0]);
      const b = range.length === 2 ? dayOf(range[1]) : a;
      // 7 ends a range as Saturday's next day: FRI-7 is Friday to Sunday
      const end = range.length === 2 && range[1] === '7' ? 7 : b;
      if (a < 0 || b < 0 || end < a) return '';
      for (let d = a; d <= end; d++) set.add(d % 7);
    }
    const list = Array.from(set).sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7)); // Monday first
    const key = list.join(',');
    if (list.length === 7) days = 'daily';
    else if (key === '1,2,3,4,5') days = 'Monday to Friday';
    else if (key === '6,0') days = 'Saturdays and Sundays';
    else {
      const words = list.map((d) => plural[d]);
      days = words.length === 1 ? words[0] : words.slice(0, -1).join(', ') + ' and ' + words[words.length - 1];
    }
  } else if (dow === '*') {
    const d = num(dom, 31);
    if (d < 1) return '';
    const suffix = d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th';
    days = 'on the ' + d + suffix + ' of each month' + (d > 28 ? ' that has one' : '');
  } else return '';
  return days + ' at ' + timeText;
}

/** "Sun 2026-12-06 02:00", in the browser's time zone. */
export function localWhen(iso: unknown): string {
  if (typeof iso !== 'string' || !iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getDay()] + ' ' + absoluteTime(iso, false).slice(0, 16);
}

/** The badges of a job that will not run on its own: disabled in the estate, paused through the API. */
export function refreshJobBadges(job: RefreshJobView): Badge[] {
  const out: Badge[] = [];
  if (job.enabled === false) out.push({ label: 'disabled', cls: 'rj-disabled', title: 'enabled: false in the estate: its schedule starts no run; Run now still runs it' });
  if (job.paused === true) out.push({ label: 'paused', cls: 'rj-paused', title: 'paused: its schedule starts no run until it is resumed; Run now still runs it' });
  return out;
}

/** Why a job has no next run: "none: paused", "none: disabled in the estate"; '' when it has one. */
export function refreshNoNextRun(job: RefreshJobView): string {
  if (job.nextRun) return '';
  if (job.enabled === false) return 'none: disabled in the estate';
  if (job.paused === true) return 'none: paused';
  return 'not known';
}

/** The last run's state as its badge shows it; `unknown` (its operation is gone) in its own words. */
export function refreshRunBadge(run: RefreshRunView): Badge {
  const known = ['pending', 'running', 'waiting', 'awaiting-approval', 'succeeded', 'failed', 'cancelled'];
  if (known.indexOf(run.state) >= 0) return stateBadge({ id: run.operationId, kind: 'refresh', target: '', step: '', state: run.state });
  return { label: String(run.state || 'unknown'), cls: 'rj-unknown', title: 'its operation was not found: retention deletes finished operations after RETENTION_DAYS' };
}

/** A run's slot in words: "Run now" for a manual run, else "scheduled for Sun 2026-12-06 02:00" (local time). */
export function slotText(slot: unknown): string {
  if (typeof slot !== 'string' || !slot) return '';
  if (slot.slice(0, 7) === 'manual:') return 'Run now' + (slot.length > 7 ? ', asked ' + localWhen(slot.slice(7)) : '');
  return 'scheduled for ' + localWhen(slot);
}

/** How many jobs, paused, disabled, and how their last runs went, in words. */
export function refreshCounts(jobs: RefreshJobView[]): RefreshCounts {
  let paused = 0;
  let disabled = 0;
  let failed = 0;
  let running = 0;
  for (const j of jobs) {
    if (j.paused === true) paused++;
    if (j.enabled === false) disabled++;
    const state = j.lastRun ? j.lastRun.state : '';
    if (state === 'failed' || state === 'cancelled') failed++;
    else if (isOpenState(state)) running++;
  }
  const total = jobs.length;
  if (!total) return { total, paused, disabled, failed, running, text: 'no refresh jobs in the estate' };
  const parts = [total + (total === 1 ? ' job' : ' jobs')];
  if (paused) parts.push(paused + ' paused');
  if (disabled) parts.push(disabled + ' disabled');
  const runs = [failed ? failed + ' failed' : '', running ? running + ' running' : ''].filter(Boolean);
  if (runs.length) parts.push('last runs: ' + runs.join(', '));
  return { total, paused, disabled, failed, running, text: parts.join(' · ') };
}

/** The app's own message for a run it did not start (409 REFRESH_NOT_STARTED) or a job it does not know (404); '' for anything else. */
export function refreshRefusal(status: number, body: unknown): string {
  if (status !== 409 && status !== 404) return '';
  const error = typeof body === 'object' && body !== null ? (body as { error?: { message?: unknown } }).error : undefined;
  return error && typeof error.message === 'string' && error.message ? error.message : '';
}

/** What Run now does, for its confirmation. */
export function refreshRunEffect(job: RefreshJobView): string {
  const at = job.target.indexOf('/');
  const instance = at > 0 ? job.target.slice(0, at) : job.target;
  const copies =
    job.copy === 'pointInTime'
      ? 'It restores ' + job.source + ' as of 15 minutes ago on ' + instance + ' as a staging copy (a point-in-time restore: no backup is taken), '
      : 'It backs up ' + job.source + ' (copy-only: the source’s own backups are not affected), restores that backup on ' + instance + ' as a staging copy, ';
  let text =
    copies + 'runs the job’s sanitizing scripts in it and validates its row counts against the source; ' +
    'only then does it replace the copy of ' + job.target + ' with it (the replaced copy is renamed aside, as many kept as the job says). ' +
    'Anything that fails before that leaves ' + job.target + ' as it is.';
  if (job.paused === true || job.enabled === false) text += ' The job ' + (job.enabled === false ? 'is disabled in the estate' : 'is paused') + ': Run now runs it anyway, and its schedule stays as it is.';
  return text + ' The run is recorded as asked by the signed-in user with App Service authentication, else by “api”.';
}

/** A phase's length: "0.4 s", "12.3 s", "3 min 12 s"; '' when unknown. */
export function phaseSeconds(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return Math.round(seconds * 10) / 10 + ' s';
  return duration(seconds);
}

/** The output's NOT masked columns, each split into the column and why: "dbo.Customers.SSN: Always Encrypted (…)". */
export function notMaskedColumns(output: unknown): Array<{ column: string; why: string }> {
  const list = typeof output === 'object' && output !== null ? (output as { notMasked?: unknown }).notMasked : undefined;
  if (!Array.isArray(list)) return [];
  return list
    .filter((x): x is string => typeof x === 'string' && x.length > 0)
    .map((x) => {
      const cut = x.indexOf(': ');
      return cut > 0 ? { column: x.slice(0, cut), why: x.slice(cut + 2) } : { column: x, why: '' };
    });
}

/** A refresh's row note: "from sql-onprem/Sales in 14 min 3 s · 14 tables validated · 2 columns NOT masked". */
export function refreshSummary(output: unknown): string {
  if (typeof output !== 'object' || output === null) return '';
  const o = output as RefreshOutputView;
  const phases = Array.isArray(o.phases) ? o.phases : [];
  let total = 0;
  let timed = false;
  for (const p of phases) {
    if (p && typeof p.seconds === 'number' && Number.isFinite(p.seconds)) {
      total += p.seconds;
      timed = true;
    }
  }
  const parts: string[] = [];
  if (o.source || timed) parts.push((o.source ? 'from ' + o.source : 'refreshed') + (timed ? ' in ' + duration(total) : ''));
  if (o.validation && typeof o.validation.tables === 'number') parts.push(o.validation.tables + (o.validation.tables === 1 ? ' table' : ' tables') + ' validated');
  const nm = notMaskedColumns(o).length;
  if (nm) parts.push(nm + (nm === 1 ? ' column' : ' columns') + ' NOT masked');
  return parts.join(' · ');
}
