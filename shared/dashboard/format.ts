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
