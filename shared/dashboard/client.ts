// The dashboard's browser script, as text: plain JavaScript that runs inside the page after the
// helpers of format.ts (inlined before it). It is a string because the app's TypeScript has no DOM
// types; what can be pure (formatting, filters, which actions an operation allows) lives in
// format.ts, typed and unit-tested, and this part only reads the API and writes the DOM.
// String.raw keeps backslashes as written; the text must hold no backtick and no dollar-brace.

export const CLIENT_SCRIPT = String.raw`
var KEY_ITEM = 'mi-autopilot.functionKey';
var BY_ITEM = 'mi-autopilot.by';
var POLL_MS = 3000;
var LINKS_POLL_MS = 10000;
var FINISHED = 'succeeded,failed,cancelled';
var LIMITS = [25, 50, 100, 200];
var ACTION_LABELS = { approve: 'Approve…', reject: 'Reject…', cancel: 'Cancel operation…', retry: 'Retry…' };
var STATE_TITLES = {
  open: 'Open operations', all: 'All operations', pending: 'Pending', running: 'Running', waiting: 'Waiting',
  'awaiting-approval': 'Awaiting approval', succeeded: 'Succeeded (skipped ones included)', failed: 'Failed', cancelled: 'Cancelled'
};

function $(id) { return document.getElementById(id); }
var e = escapeHtml;

// ---- the function key: from the address's code parameter once, then this tab's sessionStorage; never shown, never in the URL
var memoryKey = '';
function session() { try { return window.sessionStorage; } catch (err) { return null; } }
function local() { try { return window.localStorage; } catch (err) { return null; } }
function getKey() { var s = session(); return (s && s.getItem(KEY_ITEM)) || memoryKey; }
function setKey(k) {
  memoryKey = k;
  var s = session();
  if (s) { try { s.setItem(KEY_ITEM, k); } catch (err) { /* memory only */ } }
}
function forgetKey() { memoryKey = ''; var s = session(); if (s) s.removeItem(KEY_ITEM); }
(function takeKeyFromAddress() {
  var params = new URLSearchParams(location.search);
  if (!params.has('code')) return;
  if (params.get('code')) setKey(params.get('code'));
  params.delete('code');
  var q = params.toString();
  // so that the key is in no screenshot, bookmark or history entry
  history.replaceState(history.state, '', location.pathname + (q ? '?' + q : '') + location.hash);
})();

// ---- the API: one request in flight at a time, whoever asks (poll, links, detail, action)
var queue = Promise.resolve();
// body: the answer's JSON, for the errors that say more than their message (a refused failover's decision)
function ApiError(status, message, code, body) { this.status = status; this.message = message; this.code = code || ''; this.body = body === undefined ? null : body; }
// quiet: a 401 is only this request's error (the links panel says it), not the key panel
function api(method, path, body, quiet) {
  function send() {
    var key = getKey();
    if (!key) { showKeyPanel('missing'); return Promise.reject(new ApiError(0, 'no function key', 'NO_KEY')); }
    var headers = { 'x-functions-key': key, accept: 'application/json' };
    var init = { method: method, headers: headers, cache: 'no-store' };
    if (body !== undefined) { headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (err) { data = null; }
        if (r.status === 401 && !quiet) showKeyPanel('refused');
        if (!r.ok) throw new ApiError(r.status, apiErrorText(r.status, data), data && data.error && data.error.code, data);
        return data;
      });
    }, function (err) {
      throw new ApiError(0, 'the app could not be reached (' + ((err && err.message) || err) + ')', 'NETWORK');
    });
  }
  var p = queue.then(send, send);
  queue = p.catch(function () { return undefined; });
  return p;
}

// ---- state
var filters = parseFilters(location.hash);
var pages = [];         // continuations of the newer pages, to go back ('' is the first page)
var cont = '';          // this page's continuation ('' is the first page)
var olderCont = '';     // the answer's continuation: the next older page
var generation = 0;     // bumped when the filters or the page change: answers to older requests are dropped
var rows = new Map();   // id -> { tr, sig }: a row whose operation did not change is kept as it is
var listed = new Map(); // id -> the operation as the last list showed it
var detail = { id: '', sig: '', op: null, at: 0, error: '' };
var timer = 0, polling = false, pollAgain = false, halted = false;
var pendingAction = null;
// the links panel: its poll, its rows (name -> { tr, more, sig }), the links unfolded, the last answer
var linksView = { timer: 0, busy: false, again: false, sig: '', rows: new Map(), open: new Set(), last: null };
// the failover panel: the one link whose decisions are shown (fetched only while the panel is open, on
// the links' poll); gen drops the answers for a link no longer shown
var DECISIONS_LIMIT = 20;
var foView = { link: '', gen: 0, sig: '', policy: null, names: '' };
// the approvals waiting, id -> the operation as listed; sig: what the strip shows
var approvalsView = { sig: '', ops: new Map() };

// ---- the key panel
function showKeyPanel(why) {
  halted = true;
  clearTimeout(timer);
  clearTimeout(linksView.timer);
  $('key-title').textContent = why === 'refused' ? 'The function key was refused (401)' : 'No function key';
  $('key-why').textContent = why === 'refused'
    ? 'The app answered 401 to the key this tab holds: it is not the app\'s key, or the key was renewed. Enter the current one. (With App Service authentication in front of the app, a 401 can also mean that your sign-in expired: reload the page.)'
    : 'Every call this page makes to the app\'s API needs the Function App\'s function key. Open the dashboard link that npm start prints, or enter the key here.';
  $('keypanel').hidden = false;
  $('app').hidden = true;
  $('refresh').hidden = true;
  $('forget').hidden = true;
  setStatus(why === 'refused' ? 'function key refused (401)' : 'no function key', true);
}
$('key-form').addEventListener('submit', function (ev) {
  ev.preventDefault();
  var input = $('key-input');
  var k = input.value.trim();
  input.value = '';
  if (!k) return;
  setKey(k);
  $('keypanel').hidden = true;
  $('app').hidden = false;
  $('refresh').hidden = false;
  $('forget').hidden = false;
  halted = false;
  setStatus('loading…');
  requestRefresh();
  requestLinks();
});
$('forget').addEventListener('click', function () { forgetKey(); showKeyPanel('missing'); });

// ---- status line
function setStatus(text, bad) {
  var s = $('status');
  s.textContent = text;
  s.classList.toggle('bad', !!bad);
}
function showAlert(text) {
  var a = $('alert');
  if (!text) { a.hidden = true; a.textContent = ''; return; }
  a.textContent = text;
  a.hidden = false;
}

// ---- times: rendered once, their words updated in place
function timeHtml(iso) {
  if (!iso) return '';
  return '<time datetime="' + e(iso) + '" data-rel="1" title="' + e(timeTitle(iso)) + '">' + e(relativeTime(iso, Date.now())) + '</time>';
}
function refreshTimes() {
  var now = Date.now();
  Array.prototype.forEach.call(document.querySelectorAll('time[data-rel]'), function (t) {
    var s = relativeTime(t.getAttribute('datetime'), now);
    if (t.textContent !== s) t.textContent = s;
  });
  Array.prototype.forEach.call(document.querySelectorAll('[data-left]'), function (t) {
    var s = timeLeft(t.getAttribute('data-left'), now);
    if (t.textContent !== s) t.textContent = s;
  });
}
// widths through the CSSOM: the page's policy allows no inline style attributes
function applyBars(root) {
  Array.prototype.forEach.call(root.querySelectorAll('.bar[data-pct]'), function (b) {
    b.firstElementChild.style.width = b.getAttribute('data-pct') + '%';
  });
}
function barHtml(progress) {
  if (!progress || typeof progress.percent !== 'number') return '';
  var pct = Math.max(0, Math.min(100, Math.round(progress.percent)));
  return '<span class="bar" data-pct="' + pct + '" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="' + pct + '" aria-label="progress"><span></span></span> <span class="pct">' + pct + '%</span>';
}
function badgeHtml(op) {
  var b = stateBadge(op);
  return '<span class="badge" title="' + e(b.title) + '">' + e(b.label) + '</span>';
}

// ---- the operations table
function rowHtml(op) {
  var n = rowNote(op);
  var b = stateBadge(op);
  var progress = barHtml(op.progress);
  return '<td class="id"><button type="button" class="idbtn" title="' + e(op.id) + '" aria-label="open operation ' + e(op.id) + '">' + e(shortId(op.id)) + '</button></td>' +
    '<td class="kind" title="' + e(op.kind) + '">' + e(op.kind) + '</td>' +
    '<td class="target" title="' + e(op.target) + '">' + e(op.target) + '</td>' +
    '<td class="state ' + e(b.cls) + '">' + badgeHtml(op) + '</td>' +
    '<td class="step" title="' + e(op.step + (op.attempt > 1 ? ' (attempt ' + op.attempt + ')' : '')) + '">' + e(op.step) + '</td>' +
    '<td class="progress">' + (progress || '<span class="muted" aria-label="no progress">–</span>') + '</td>' +
    '<td class="note ' + e(n.tone) + '" title="' + e(n.full) + '">' + (n.code ? '<b>' + e(n.code) + '</b> ' : '') + e(n.text) + '</td>' +
    '<td class="updated">' + timeHtml(op.updatedAt) + '</td>';
}
function placeRows(tbody, title, ops, empty) {
  var head = tbody.firstElementChild;
  var th = head.firstElementChild;
  if (th.textContent !== title) th.textContent = title;
  var wanted = [head];
  if (!ops.length) {
    var none = tbody.querySelector('tr.empty') || document.createElement('tr');
    none.className = 'empty';
    var text = '<td colspan="8" class="muted">' + e(empty) + '</td>';
    if (none.innerHTML !== text) none.innerHTML = text;
    wanted.push(none);
  }
  ops.forEach(function (op) {
    var sig = JSON.stringify(op);
    var r = rows.get(op.id);
    if (!r || r.sig !== sig) {
      var tr = document.createElement('tr');
      tr.className = 'op';
      tr.setAttribute('data-id', op.id);
      tr.innerHTML = rowHtml(op);
      applyBars(tr);
      if (r && r.tr.parentNode) r.tr.parentNode.replaceChild(tr, r.tr);
      r = { tr: tr, sig: sig };
      rows.set(op.id, r);
    }
    wanted.push(r.tr);
  });
  for (var i = 0; i < wanted.length; i++) {
    if (tbody.children[i] !== wanted[i]) tbody.insertBefore(wanted[i], tbody.children[i] || null);
  }
  while (tbody.children.length > wanted.length) tbody.removeChild(tbody.lastElementChild);
}
function markSelection() {
  rows.forEach(function (r, id) {
    var on = id === filters.op;
    if (r.tr.classList.contains('selected') !== on) r.tr.classList.toggle('selected', on);
    if (on) r.tr.setAttribute('aria-current', 'true'); else r.tr.removeAttribute('aria-current');
  });
}
function renderList(open, done, doneTitle, openMore) {
  var shown = new Set();
  var openTbody = $('ops-open');
  if (open) {
    // an operation that ended between the two requests is in both answers: the later one wins
    var doneIds = new Set(done.map(function (o) { return o.id; }));
    open = open.filter(function (o) { return !doneIds.has(o.id); });
    openTbody.hidden = false;
    placeRows(openTbody, 'Open · ' + open.length + (openMore ? ' (the newest ' + open.length + '; choose State “open” to page through all)' : ''), open, 'nothing is running or waiting');
    open.forEach(function (o) { shown.add(o.id); });
  } else {
    openTbody.hidden = true;
  }
  placeRows($('ops-done'), doneTitle, done, cont ? 'no operations on this page' : 'no operations match these filters');
  done.forEach(function (o) { shown.add(o.id); });
  listed = new Map();
  (open || []).concat(done).forEach(function (o) { listed.set(o.id, o); });
  rows.forEach(function (r, id) { if (!shown.has(id)) { if (r.tr.parentNode) r.tr.parentNode.removeChild(r.tr); rows.delete(id); } });
  markSelection();
  updatePager();
}
$('ops').addEventListener('click', function (ev) {
  var tr = ev.target.closest('tr.op');
  if (!tr) return;
  // a user selecting text in this row is not asking to open it
  var sel = window.getSelection ? window.getSelection() : null;
  if (sel && !sel.isCollapsed && sel.anchorNode && tr.contains(sel.anchorNode) && !ev.target.closest('button')) return;
  select(tr.getAttribute('data-id'));
});

// ---- paging
function updatePager() {
  $('newer').disabled = pages.length === 0;
  $('older').disabled = !olderCont;
  $('page-info').textContent = 'page ' + (pages.length + 1);
}
$('older').addEventListener('click', function () {
  if (!olderCont) return;
  pages.push(cont);
  cont = olderCont;
  olderCont = '';
  generation++;
  updatePager();
  requestRefresh();
});
$('newer').addEventListener('click', function () {
  if (!pages.length) return;
  cont = pages.pop();
  olderCont = '';
  generation++;
  updatePager();
  requestRefresh();
});

// ---- filters, kept in the hash (never the key)
function writeHash() {
  var h = filtersHash(filters);
  var url = location.pathname + location.search + (h ? '#' + h : '');
  if (url !== location.pathname + location.search + location.hash) history.replaceState(history.state, '', url);
}
function syncForm() {
  $('f-state').value = filters.state;
  if ($('f-kind') !== document.activeElement) $('f-kind').value = filters.kind;
  if ($('f-target') !== document.activeElement) $('f-target').value = filters.target;
  var limit = $('f-limit');
  if (LIMITS.indexOf(filters.limit) < 0 && !limit.querySelector('option[value="' + filters.limit + '"]')) {
    var o = document.createElement('option');
    o.value = String(filters.limit);
    o.textContent = String(filters.limit);
    limit.appendChild(o);
  }
  limit.value = String(filters.limit);
}
function applyFilters(next) {
  var changed = next.state !== filters.state || next.kind !== filters.kind || next.target !== filters.target || next.limit !== filters.limit;
  var selected = next.op !== filters.op;
  filters = next;
  if (changed) { pages = []; cont = ''; olderCont = ''; generation++; updatePager(); }
  writeHash();
  syncForm();
  if (selected) { if (filters.op) select(filters.op); else closeDetail(); }
  if (changed) { setStatus('loading…'); requestRefresh(); }
}
function formFilters() {
  var kind = $('f-kind').value.trim().toLowerCase();
  var hint = $('f-kind-hint');
  if (kind && !/^[a-z][a-z0-9-]{0,63}$/.test(kind)) {
    hint.textContent = 'a kind is lowercase letters, digits and -';
    hint.hidden = false;
    kind = filters.kind;
  } else {
    hint.hidden = true;
  }
  return { state: $('f-state').value, kind: kind, target: $('f-target').value.trim().slice(0, 200), limit: Number($('f-limit').value) || 50, op: filters.op };
}
var targetDelay = 0;
$('filters').addEventListener('submit', function (ev) { ev.preventDefault(); applyFilters(formFilters()); });
$('filters').addEventListener('change', function () { applyFilters(formFilters()); });
$('f-target').addEventListener('input', function () {
  clearTimeout(targetDelay);
  targetDelay = setTimeout(function () { applyFilters(formFilters()); }, 600);
});
$('f-reset').addEventListener('click', function () { applyFilters({ state: 'recent', kind: '', target: '', limit: 50, op: filters.op }); });
window.addEventListener('hashchange', function () { applyFilters(parseFilters(location.hash)); });

// ---- the detail panel
function select(id, known) {
  if (!id) return;
  filters.op = id;
  writeHash();
  markSelection();
  $('main').classList.add('with-detail');
  $('detail').hidden = false;
  if (detail.id !== id) { detail = { id: id, sig: '', op: null, at: 0, error: '' }; flash(''); }
  var op = known || listed.get(id);
  if (op) renderDetail(op);
  else if (!detail.op) { $('detail-top').innerHTML = '<p class="muted">loading ' + e(id) + '…</p>'; $('detail-body').innerHTML = ''; }
  loadDetail(id);
}
function closeDetail() {
  filters.op = '';
  detail = { id: '', sig: '', op: null, at: 0, error: '' };
  writeHash();
  markSelection();
  $('detail').hidden = true;
  $('main').classList.remove('with-detail');
}
function loadDetail(id) {
  return api('GET', 'operations/' + encodeURIComponent(id)).then(function (op) {
    if (detail.id !== id) return;
    detail.at = Date.now();
    detail.error = '';
    renderDetail(op);
  }, function (err) {
    if (detail.id !== id || err.status === 401 || err.code === 'NO_KEY') return;
    detail.at = Date.now();
    detail.error = err.status === 404
      ? 'Operation ' + id + ' does not exist (any more): retention deletes finished operations after RETENTION_DAYS.'
      : 'Could not load operation ' + id + ': ' + err.message;
    if (!detail.op) { $('detail-top').innerHTML = '<div class="dhead"><h2 id="detail-title">' + e(id) + '</h2>' + closeButton() + '</div>'; $('detail-body').innerHTML = ''; }
    flash(detail.error, true);
  });
}
function closeButton() { return '<button type="button" class="close" data-act="close" aria-label="Close the details">×</button>'; }
function dl(pairs) {
  var h = pairs.filter(function (p) { return p[1]; }).map(function (p) { return '<dt>' + e(p[0]) + '</dt><dd>' + p[1] + '</dd>'; }).join('');
  return h ? '<dl>' + h + '</dl>' : '';
}
function opLink(id) {
  var f = { state: filters.state, kind: filters.kind, target: filters.target, limit: filters.limit, op: id };
  return '<a href="#' + e(filtersHash(f)) + '" title="' + e(id) + '">' + e(id) + '</a>';
}
function json(v) { return '<pre>' + e(JSON.stringify(v, null, 2)) + '</pre>'; }
// the file name is what a DBA looks for; its folder is context
function fileHtml(path) {
  var p = String(path);
  var cut = p.lastIndexOf('/') + 1;
  // a long path breaks after a folder, not inside the file name
  return '<li title="' + e(p) + '"><span class="muted">' + e(p.slice(0, cut)).replace(/\//g, '/<wbr>') + '</span>' + e(p.slice(cut)) + '</li>';
}
function restoreHtml(out) {
  var h = '<section class="box restored"><h3>What was restored</h3>';
  var b = out.backup && typeof out.backup === 'object' ? out.backup : null;
  var chain = Array.isArray(out.chain) ? out.chain : [];
  h += dl([
    ['into', out.instance || out.database ? e((out.instance || '?') + ' / ' + (out.database || '?')) : ''],
    ['from', out.source ? e(out.source) : ''],
    [chain.length > 1 ? 'last backup' : 'backup', b ? '<b>' + e(b.kind || '?') + '</b>' + (b.backupSetGuid ? ' <span class="muted">set</span> <code>' + e(b.backupSetGuid) + '</code>' : '') : ''],
    ['finished', b && b.backupFinishDate ? e(recordedTime(b.backupFinishDate, true)) + ' <span class="muted">(server clock)</span>' : ''],
    ['started', b && b.backupStartDate ? e(recordedTime(b.backupStartDate, true)) : ''],
    ['LSN range', b ? e(lsnRange(b.firstLsn, b.lastLsn)) : ''],
    ['files', b && Array.isArray(b.files) && b.files.length ? '<ol class="files">' + b.files.map(fileHtml).join('') + '</ol>' : '']
  ]);
  if (chain.length > 1) {
    h += '<h4>Chain restored, in order</h4><table class="mini"><thead><tr><th>kind</th><th>finished</th><th>LSN range</th><th>files</th></tr></thead><tbody>' +
      chain.map(function (s) {
        var files = Array.isArray(s.files) ? s.files : [];
        return '<tr><td class="nw">' + e(s.kind) + '</td><td class="nw">' + e(recordedTime(s.backupFinishDate, false)) + '</td><td class="lsn">' + e(lsnRange(s.firstLsn, s.lastLsn)) +
          '</td><td title="' + e(files.join('\n')) + '">' + files.length + '</td></tr>';
      }).join('') + '</tbody></table>';
  } else if (!b && Array.isArray(out.files) && out.files.length) {
    h += '<h4>Files</h4><ol class="files">' + out.files.map(function (f) {
      return '<li><b>' + e(f.kind) + '</b>' + (f.stripes > 1 ? ', ' + e(f.stripes) + ' stripes' : '') + (f.first ? ': ' + e(f.first) : '') + '</li>';
    }).join('') + '</ol>';
  }
  var v = out.validation && typeof out.validation === 'object' ? out.validation : null;
  var diffs = v && Array.isArray(v.differences) ? v.differences : [];
  h += dl([
    ['restore took', e(duration(out.restoreSeconds))],
    ['previous copy', out.previousCopy ? 'kept as <code>' + e(out.previousCopy) + '</code>' : ''],
    ['copies dropped', Array.isArray(out.droppedCopies) && out.droppedCopies.length ? e(out.droppedCopies.join(', ')) : ''],
    ['row counts', v ? e(v.tables + ' tables ' + (v.comparedWith ? 'compared with ' + v.comparedWith : 'counted (no source to compare with)')) : ''],
    ['differences', v ? (diffs.length ? '<ul class="diffs">' + diffs.map(function (d) { return '<li>' + e(d) + '</li>'; }).join('') + '</ul>' +
      (v.moreDifferences > 0 ? '<span class="muted">and ' + e(v.moreDifferences) + ' more (every table\'s counts are kept with the operation)</span>' : '') : 'none') : ''],
    ['scripts run', out.scriptsRun ? e(out.scriptsRun) : '']
  ]);
  return h + '</section>';
}
// checks as a failover or a refresh records them: each passed ✓ or failed ✗ (in words too), with its code
function checksHtml(checks) {
  if (!checks.length) return '';
  var failed = checks.filter(function (c) { return c && c.ok === false; }).length;
  return '<h4>Checks · ' + (failed ? failed + ' of ' + checks.length + ' failed' : 'all ' + checks.length + ' passed') + '</h4><ul class="checks">' + checks.map(function (c) {
    var ok = c && c.ok === true;
    return '<li class="' + (ok ? 'ok' : 'bad') + '"><span class="mark" aria-hidden="true">' + (ok ? '✓' : '✗') + '</span><span class="sr-only">' + (ok ? 'passed: ' : 'failed: ') + '</span>' +
      '<b class="rcode' + (ok ? '' : ' sev-broken') + '">' + e(c && c.code) + '</b> ' + e(c && c.message) + '</li>';
  }).join('') + '</ul>';
}
// a failover operation: what it was asked, then (when it ends) its plan, checks, actions and the roles it left
function failoverHtml(op) {
  var out = op.output && typeof op.output === 'object' ? op.output : {};
  var inp = op.input && typeof op.input === 'object' ? op.input : {};
  var type = out.type || inp.type || '';
  var link = out.link || inp.link || '';
  var dry = out.dryRun === true || inp.dryRun === true;
  var est = out.estimate || inp.estimate;
  var plan = Array.isArray(out.plan) ? out.plan : [];
  var checks = Array.isArray(out.checks) ? out.checks : [];
  var actions = Array.isArray(out.actions) ? out.actions : [];
  var sides = out.sides && typeof out.sides === 'object' ? out.sides : null;
  var preserved = Array.isArray(out.preserved) ? out.preserved : [];
  var follow = Array.isArray(out.followUp) ? out.followUp : [];
  var names = sides ? { sqlServer: sides.sqlServer && sides.sqlServer.instance, managedInstance: sides.managedInstance && sides.managedInstance.instance } : undefined;
  var h = '<section class="box fobox"><h3>' + (dry ? 'Failover dry run' : 'Failover') + (type ? ': <b>' + e(type) + '</b>' : '') + (link ? ' of ' + e(link) : '') + '</h3>';
  h += dl([
    ['new primary', out.toSide ? e(sideName(out.toSide, names)) + (dry ? ' <span class="muted">(would be)</span>' : '') : ''],
    ['data loss', estimateText(est) ? e(estimateText(est)) + (estimateTitle(est) ? ' <span class="muted">(' + e(estimateTitle(est)) + ')</span>' : '') : ''],
    ['decision', inp.decision && inp.decision.summary ? e(inp.decision.summary) : ''],
    ['asked by', inp.requestedBy ? e(inp.requestedBy) : ''],
    ['redirect', out.redirect ? e(redirectText(out.redirect)) : '']
  ]);
  if (!plan.length && !checks.length && !actions.length) {
    h += '<p class="muted">' + (isOpenState(op.state)
      ? 'Its plan, checks and actions come with its output when it ends; the steps so far are in the audit trail below.'
      : 'No output was recorded; the audit trail below lists its steps.') + '</p>';
  }
  if (plan.length) h += '<h4>Plan' + (dry ? ', what it would do' : '') + '</h4><ol class="plan">' + plan.map(function (x) { return '<li>' + e(x) + '</li>'; }).join('') + '</ol>';
  h += checksHtml(checks);
  if (actions.length) {
    h += '<h4>What it did</h4><ol class="timeline">' + actions.map(function (a) {
      return '<li><time datetime="' + e(a.at) + '" title="' + e(timeTitle(a.at)) + '">' + e(absoluteTime(a.at, false).slice(11)) + '</time>' + e(a.what) + '</li>';
    }).join('') + '</ol>';
  }
  if (sides) {
    h += '<h4>' + (dry ? 'The sides now' : 'The sides at the end') + '</h4><table class="mini sides"><thead><tr><th>side</th><th>instance</th><th>role</th><th>commit</th></tr></thead><tbody>' +
      ['sqlServer', 'managedInstance'].filter(function (k) { return sides[k]; }).map(function (k) {
        var x = sides[k];
        // in the narrow detail column only the role stays whole: the side and the mode may wrap
        return '<tr><td>' + (k === 'sqlServer' ? 'SQL Server' : 'managed instance') + '</td><td>' + e(x.instance) + '</td><td class="nw">' + e(x.role || '?') + '</td><td>' + e(x.availabilityMode || '') + '</td></tr>';
      }).join('') + '</tbody></table>';
  }
  if (preserved.length) {
    h += '<h4>Diverged data kept before the demotion</h4><table class="mini preserved"><thead><tr><th>database</th><th>backup</th><th>LSN range</th></tr></thead><tbody>' + preserved.map(function (x) {
      var url = blobDisplay(x.blobUrl);
      var file = url.slice(url.lastIndexOf('/') + 1);
      return '<tr><td class="nw">' + e(x.database) + '</td><td title="' + e(url) + '">' + e(file || url) + '</td><td class="lsn">' + e(lsnRange(x.firstLsn, x.lastLsn)) + '</td></tr>';
    }).join('') + '</tbody></table>';
  }
  if (follow.length) h += '<h4>Still to do by hand</h4><ol class="follow">' + follow.map(function (x) { return '<li>' + e(x) + '</li>'; }).join('') + '</ol>';
  return h + '</section>';
}
function detailTopHtml(op) {
  var actions = allowedActions(op);
  return '<div class="dhead"><h2 id="detail-title">' + e(op.kind) + ' <span class="muted">on</span> ' + e(op.target) + '</h2>' + closeButton() + '</div>' +
    '<p class="idline"><code id="detail-id">' + e(op.id) + '</code> <button type="button" class="small" data-act="copy">Copy id</button></p>' +
    '<p class="stateline"><span class="state ' + e(stateBadge(op).cls) + '">' + badgeHtml(op) + '</span> step <b>' + e(op.step) + '</b>' +
    (op.attempt > 1 ? ' · attempt ' + e(op.attempt) : '') + '</p>' +
    (actions.length ? '<div class="actions">' + actions.map(function (a) {
      return '<button type="button" class="act act-' + a + '" data-act="' + a + '">' + ACTION_LABELS[a] + '</button>';
    }).join(' ') + '</div>' : '');
}
function detailBodyHtml(op) {
  var h = '';
  var out = op.output && typeof op.output === 'object' ? op.output : null;
  if (isSkipped(op)) {
    h += '<section class="box skipped-box"><h3>Skipped: nothing was done</h3><p class="text">' + e(out.reason || 'its work was already done by another operation') + '</p>' +
      (out.coveredBy ? '<p>Covered by ' + opLink(out.coveredBy) + '</p>' : '') + '</section>';
  }
  if (op.approval) {
    var a = op.approval;
    h += '<section class="box approval"><h3>' + (a.decision ? 'Approval: ' + e(a.decision) : 'Waiting for approval') + '</h3><p class="text">' + e(a.prompt) + '</p>' + dl([
      ['asked', timeHtml(a.requestedAt)],
      ['expires', a.expiresAt && !a.decision ? e(absoluteTime(a.expiresAt, false)) + ' (<span data-left="' + e(a.expiresAt) + '">' + e(timeLeft(a.expiresAt, Date.now())) + '</span>)' : ''],
      ['decided by', a.decidedBy ? e(a.decidedBy) + (a.decidedVia === 'self-declared' ? ' <span class="muted">(self-declared)</span>' : '') : ''],
      ['decided', timeHtml(a.decidedAt)],
      ['comment', a.comment ? e(a.comment) : '']
    ]) + '</section>';
  }
  if (op.error) h += '<section class="box errbox"><h3>Error <code>' + e(op.error.code) + '</code></h3><p class="text">' + e(op.error.message) + '</p></section>';
  if (op.ending && isOpenState(op.state)) {
    h += '<section class="box errbox"><h3>Ending ' + e(op.ending.as) + ' after its cleanup</h3><p class="text">' +
      (op.ending.because ? '<b>' + e(op.ending.because.code) + '</b> ' + e(op.ending.because.message) : '') + '</p></section>';
  }
  if (op.cancelRequested) h += '<section class="box"><h3>Cancel requested</h3>' + dl([['by', e(op.cancelRequested.by)], ['why', e(op.cancelRequested.reason)], ['when', timeHtml(op.cancelRequested.at)]]) + '</section>';
  if (op.waitingFor || op.progress) {
    h += '<section class="box"><h3>Progress</h3>' + dl([
      ['progress', op.progress ? barHtml(op.progress) + (op.progress.message ? ' ' + e(op.progress.message) : '') : ''],
      ['waiting for', op.waitingFor ? e(op.waitingFor) : ''],
      ['next run', op.nextRunAt ? timeHtml(op.nextRunAt) : '']
    ]) + '</section>';
  }
  if (out && !isSkipped(op) && (op.kind === 'restore' || (op.kind !== 'refresh' && (out.backup || out.files)))) h += restoreHtml(out);
  if (op.kind === 'failover') h += failoverHtml(op);
  if (op.kind === 'refresh') h += refreshHtml(op);
  h += '<section class="box"><h3>Times</h3>' + dl([
    ['created', timeHtml(op.createdAt) + (op.createdBy ? ' <span class="muted">by</span> ' + e(op.createdBy) : '')],
    ['started', timeHtml(op.startedAt)],
    ['updated', timeHtml(op.updatedAt)],
    ['deadline', timeHtml(op.deadline)],
    ['retry of', op.retryOf ? opLink(op.retryOf) : '']
  ]) + '</section>';
  if (op.input !== undefined) h += '<details data-k="input"><summary>Input</summary>' + json(op.input) + '</details>';
  if (op.output !== undefined) h += '<details data-k="output"><summary>Output (JSON)</summary>' + json(op.output) + '</details>';
  h += '<section class="audit"><h3>Audit trail</h3>';
  if (!Array.isArray(op.audit)) h += '<p class="muted">loading…</p>';
  else if (!op.audit.length) h += '<p class="muted">no entries</p>';
  else {
    h += '<table class="mini"><thead><tr><th>when</th><th>who</th><th>change</th><th>why</th></tr></thead><tbody>' + op.audit.map(function (x) {
      return '<tr><td>' + timeHtml(x.at) + '</td><td>' + e(x.actor) + '</td><td>' + e((x.fromState ? x.fromState + ' → ' : '') + x.toState) +
        '<br><span class="muted">' + e((x.fromStep && x.fromStep !== x.toStep ? x.fromStep + ' → ' : '') + x.toStep) + '</span></td><td>' + e(x.reason) +
        (x.error ? ' <b>' + e(x.error.code) + '</b>' : '') + '</td></tr>';
    }).join('') + '</tbody></table>';
  }
  return h + '</section>';
}
function renderDetail(op) {
  // a list row has no audit trail: keep the one already shown until the detail is fetched again
  if (!Array.isArray(op.audit) && detail.op && detail.op.id === op.id && Array.isArray(detail.op.audit)) op = Object.assign({}, op, { audit: detail.op.audit });
  var sig = JSON.stringify(op);
  detail.op = op;
  if (sig === detail.sig) return;
  detail.sig = sig;
  var top = detailTopHtml(op);
  if ($('detail-top').innerHTML !== top) $('detail-top').innerHTML = top;
  var body = $('detail-body');
  var open = {};
  Array.prototype.forEach.call(body.querySelectorAll('details[data-k]'), function (d) { open[d.getAttribute('data-k')] = d.open; });
  body.innerHTML = detailBodyHtml(op);
  Array.prototype.forEach.call(body.querySelectorAll('details[data-k]'), function (d) { if (open[d.getAttribute('data-k')]) d.open = true; });
  applyBars($('detail'));
}
function flash(text, bad) {
  var f = $('flash');
  f.textContent = text || '';
  f.hidden = !text;
  f.classList.toggle('bad', !!bad);
}
$('detail').addEventListener('click', function (ev) {
  var b = ev.target.closest('button[data-act]');
  if (!b) return;
  var act = b.getAttribute('data-act');
  if (act === 'close') { closeDetail(); return; }
  if (act === 'copy') { copyId(); return; }
  if (detail.op) openAction(act, detail.op);
});
function copyId() {
  var id = detail.id;
  var done = function () { flash('Copied ' + id + ' to the clipboard.'); };
  var fallback = function () {
    var range = document.createRange();
    range.selectNodeContents($('detail-id'));
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    flash('The id is selected: press Ctrl+C to copy it.');
  };
  if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(id).then(done, fallback);
  else fallback();
}

// ---- actions: a confirmation that names the operation and its target, then the request
var ACTIONS = {
  cancel: { title: 'Cancel this operation?', ok: 'Cancel the operation', cls: 'danger', text: 'Reason (recorded in the audit trail)',
    effect: 'It stops before its next step. An operation that has done nothing yet ends at once; a restore under way first stops its server-side work and drops what it created, then ends cancelled. An existing database is not changed.' },
  retry: { title: 'Retry this operation?', ok: 'Start a new operation', cls: 'primary', text: '',
    effect: 'A new operation starts with the same input; this one stays as it is, and the new one names it in “retry of”.' },
  approve: { title: 'Approve this operation?', ok: 'Approve', cls: 'primary', text: 'Comment (recorded with the approval)',
    effect: 'The operation carries on past its approval point.' },
  reject: { title: 'Reject this operation?', ok: 'Reject', cls: 'danger', text: 'Comment (recorded with the rejection)',
    effect: 'The operation ends APPROVAL_REJECTED; its cleanup undoes unfinished work.' }
};
function openAction(act, op, from) {
  var a = ACTIONS[act];
  if (!a) return;
  pendingAction = { act: act, op: op, from: from || 'detail' };
  $('confirm-by-row').hidden = false;
  $('confirm-title').textContent = a.title;
  $('confirm-what').innerHTML = '<b>' + e(op.kind) + '</b> on <b>' + e(op.target) + '</b><br><code>' + e(op.id) + '</code> <span class="muted">(' + e(stateBadge(op).label) + ', step ' + e(op.step) + ')</span>';
  $('confirm-effect').textContent = a.effect;
  var ap = $('confirm-approval');
  if ((act === 'approve' || act === 'reject') && op.approval) {
    ap.innerHTML = '<p class="text">' + e(op.approval.prompt) + '</p>' + (op.approval.expiresAt
      ? '<p class="muted">expires ' + e(absoluteTime(op.approval.expiresAt, false)) + ' (<span data-left="' + e(op.approval.expiresAt) + '">' + e(timeLeft(op.approval.expiresAt, Date.now())) + '</span>)</p>' : '');
    ap.hidden = false;
  } else {
    ap.innerHTML = '';
    ap.hidden = true;
  }
  var store = local();
  $('confirm-by').value = (store && store.getItem(BY_ITEM)) || '';
  $('confirm-text-row').hidden = !a.text;
  $('confirm-text-label').textContent = a.text;
  $('confirm-text').value = '';
  $('confirm-error').textContent = '';
  $('confirm-error').hidden = true;
  var ok = $('confirm-ok');
  ok.textContent = a.ok;
  ok.className = a.cls;
  ok.disabled = false;
  $('confirm').showModal();
  ($('confirm-by').value ? (a.text ? $('confirm-text') : ok) : $('confirm-by')).focus();
}
$('confirm-back').addEventListener('click', function () { $('confirm').close(); });
$('confirm').addEventListener('close', function () { pendingAction = null; });
$('confirm-form').addEventListener('submit', function (ev) {
  ev.preventDefault();
  var p = pendingAction;
  if (!p) return;
  if (p.act === 'failover') { submitFailover(p); return; }
  if (p.act === 'refresh') { submitRefreshRun(p); return; }
  var err = $('confirm-error');
  var by = $('confirm-by').value.trim();
  if (!by) {
    err.textContent = 'Enter your name: it is recorded in the audit trail.';
    err.hidden = false;
    $('confirm-by').focus();
    return;
  }
  var store = local();
  if (store) { try { store.setItem(BY_ITEM, by); } catch (x) { /* asked again next time */ } }
  var body = { by: by };
  if (p.act === 'cancel') body.reason = $('confirm-text').value.trim();
  if (p.act === 'approve' || p.act === 'reject') body.comment = $('confirm-text').value.trim();
  var ok = $('confirm-ok');
  ok.disabled = true;
  ok.textContent = 'Sending…';
  err.hidden = true;
  api('POST', 'operations/' + encodeURIComponent(p.op.id) + '/' + p.act, body).then(function (res) {
    if (pendingAction === p) $('confirm').close();
    // decided from the approvals strip: the operation's detail opens, to say so and show what follows
    if (p.from === 'approvals' && detail.id !== p.op.id) select(p.op.id);
    if (p.act === 'retry' && res && res.id) {
      select(res.id, res);
      flash('Retry started: new operation ' + res.id + ' (retry of ' + p.op.id + ').');
    } else {
      var words = { cancel: 'Cancel requested for ', approve: 'Approved ', reject: 'Rejected ' }[p.act];
      if (detail.id === p.op.id) { if (res && res.id === p.op.id) renderDetail(res); loadDetail(p.op.id); }
      flash(words + p.op.id + ' (' + p.op.target + ').');
    }
    requestRefresh();
  }, function (x) {
    if (pendingAction !== p) { if (p.from === 'approvals' && detail.id !== p.op.id) select(p.op.id); flash('Not done: ' + x.message, true); return; }
    err.textContent = 'Not done: ' + x.message;
    err.hidden = false;
    ok.disabled = false;
    ok.textContent = ACTIONS[p.act].ok;
  });
});

// ---- events (only while their panel is open)
function renderEvents(r) {
  var counters = r && r.counters ? r.counters : {};
  var keys = Object.keys(counters).sort();
  $('counters').innerHTML = keys.length ? 'Incoming events today: ' + keys.map(function (k) { return '<span class="chip">' + e(k) + ' <b>' + e(counters[k]) + '</b></span>'; }).join(' ') : '<span class="muted">no incoming events counted today</span>';
  var events = r && Array.isArray(r.events) ? r.events : [];
  $('events').innerHTML = events.length ? events.map(function (ev) {
    var d = ev.data || {};
    return '<tr><td>' + timeHtml(ev.time) + '</td><td>' + e(String(ev.type || '').replace('MiAutopilot.', '')) + '</td><td>' + e(d.targetKey || ev.subject || '') +
      (typeof d.percent === 'number' ? ' ' + e(d.percent) + '%' : '') + (d.error ? ' <b class="err">' + e(d.error.code) + '</b>' : '') +
      (d.to ? ' ' + e((d.from || 'new') + ' \u2192 ' + d.to) + (Array.isArray(d.reasons) && d.reasons.length ? ' (' + e(d.reasons.map(function (x) { return x.code; }).join(', ')) + ')' : '') : '') + '</td><td>' +
      (d.operationId ? opLink(d.operationId) : '') + '</td></tr>';
  }).join('') : '<tr><td class="muted">no events (with an Event Grid topic they are read there)</td></tr>';
}
$('events-box').addEventListener('toggle', function () { if ($('events-box').open) requestRefresh(); });

// ---- the links panel: its own poll (every 10 s, through the same one-at-a-time queue; the refresh
// jobs are read on it too), the worst links first; a row is rebuilt only when its link changed,
// nothing at all when no link did
var LINK_COLS = 10;
var SPARK_W = 96, SPARK_H = 20;
// a lag under this many seconds is drawn near the bottom: a second of noise is not a chart
var SPARK_MIN_SCALE = 10;

function sparkHtml(link, title) {
  var pts = Array.isArray(link.lag) ? link.lag : [];
  if (!pts.length) return '<span class="muted">no samples</span>';
  var to = Date.now();
  var from = to - 3600000;
  var bands = sparklineBands(pts, SPARK_W, from, to).map(function (b) {
    return '<rect class="band b-' + e(b.state) + '" x="' + b.x + '" y="0" width="' + b.w + '" height="' + SPARK_H + '"></rect>';
  }).join('');
  var d = sparklinePath(pts, SPARK_W, SPARK_H, from, to, SPARK_MIN_SCALE);
  return '<svg class="spark" viewBox="0 0 ' + SPARK_W + ' ' + SPARK_H + '" width="' + SPARK_W + '" height="' + SPARK_H + '" role="img" aria-label="' + e(title) + '">' +
    '<title>' + e(title) + '</title>' + bands +
    '<line class="base" x1="0" y1="' + (SPARK_H - 0.5) + '" x2="' + SPARK_W + '" y2="' + (SPARK_H - 0.5) + '"></line>' +
    (d ? '<path class="line" d="' + e(d) + '"></path>' : '') + '</svg>';
}
// the role words smaller than the instance names, which are what a DBA reads first
function rolesHtml(text) { return e(text).replace(/\b(PRIMARY|SECONDARY|RESOLVING)\b/g, '<span class="role">$1</span>'); }
function reasonCodeHtml(r) {
  return '<b class="rcode sev-' + e(linkState(r.severity)) + '" title="' + e(linkReasonText(r)) + '">' + e(r.code) + '</b>';
}
function linkRowHtml(l, open) {
  var b = linkStateBadge(l);
  var roles = rolesText(l);
  var reasons = Array.isArray(l.reasons) ? l.reasons : [];
  var notes = Array.isArray(l.notes) ? l.notes : [];
  var spark = Array.isArray(l.lag) && l.lag.length ? sparklineTitle(l.lag) : 'no sample in the last hour';
  var queues = linkQueuesText(l);
  var confirming = l.confirmationDueAt
    ? ' <span class="confirming" title="' + e('re-sampled every few seconds to confirm a change' + (l.observed && l.observed !== l.state ? ' (the last sample says ' + l.observed + ')' : '') +
      '; next sample due ' + absoluteTime(l.confirmationDueAt, false)) + '">confirming…</span>'
    : '';
  var full = [l.message || ''].concat(reasons.map(linkReasonText)).concat(notes).filter(Boolean).join('\n');
  return '<td class="lname"><button type="button" class="linkbtn" aria-expanded="' + (open ? 'true' : 'false') + '" title="' +
      e(l.name + ': ' + l.sqlServer + ' ⇄ ' + l.managedInstance + (open ? '' : ' · click for its reasons and numbers')) + '">' + e(l.name) + '</button></td>' +
    '<td class="lstate ' + e(b.cls) + '"><span class="badge" title="' + e(b.title) + '">' + e(b.label) + '</span>' + confirming + '</td>' +
    '<td class="lsince">' + (l.since ? timeHtml(l.since) : '<span class="muted" title="never sampled">–</span>') + '</td>' +
    '<td class="lroles' + (roles.unexpected ? ' unexpected' : '') + '" title="' + e(roles.title) + '">' +
      (roles.unexpected ? '<span class="flag" aria-hidden="true">⚠</span> <span class="sr-only">unexpected roles: </span>' : '') + rolesHtml(roles.text) + '</td>' +
    '<td class="llag num"' + (queues ? ' title="' + e(queues) + '"' : '') + '>' + e(secondsText(l.lagSeconds)) + '</td>' +
    '<td class="lrpo num">' + e(secondsText(l.rpoSeconds)) + '</td>' +
    '<td class="lrto num">' + e(secondsText(l.rtoSeconds)) + '</td>' +
    '<td class="lspark" title="' + e(spark) + '">' + sparkHtml(l, spark) + '</td>' +
    '<td class="lnote" title="' + e(full) + '">' + reasons.map(reasonCodeHtml).join(' ') + (reasons.length ? ' ' : '') +
      '<span class="lmsg">' + e(linkMessage(l)) + '</span>' + (notes.length ? ' <span class="muted">· ' + e(notes.join(' · ')) + '</span>' : '') + '</td>' +
    '<td class="lfo"><button type="button" class="fobtn" aria-controls="fo" aria-expanded="' + (foView.link === l.name ? 'true' : 'false') + '" aria-label="' + e('failover decisions of ' + l.name) +
      '" title="' + e('the failover decisions of ' + l.name + ', and a form to ask for a playbook') + '">Decisions</button></td>';
}
function linkMoreHtml(l) {
  var reasons = Array.isArray(l.reasons) ? l.reasons : [];
  var notes = Array.isArray(l.notes) ? l.notes : [];
  var roles = rolesText(l);
  var facts = [
    l.sampledAt ? 'last sample ' + timeHtml(l.sampledAt) + (l.observed ? ' said <b>' + e(l.observed) + '</b>' : '') : 'never sampled',
    l.confirmationDueAt ? 'confirming: next sample ' + timeHtml(l.confirmationDueAt) : '',
    rolesHtml(roles.text) + ': ' + e(roles.title),
    e(linkQueuesText(l))
  ].filter(Boolean);
  return '<td colspan="' + LINK_COLS + '">' +
    (reasons.length ? '<ul class="reasons">' + reasons.map(function (r) {
      return '<li>' + reasonCodeHtml(r) + ' ' + (r.database ? '<span class="muted">' + e(r.database) + ':</span> ' : '') + e(r.message) + ' <span class="muted">(' + e(r.severity) + ')</span></li>';
    }).join('') + '</ul>' : '<p>' + e(l.message || '') + '</p>') +
    (notes.length ? '<ul class="lnotes muted">' + notes.map(function (n) { return '<li>' + e(n) + '</li>'; }).join('') + '</ul>' : '') +
    '<p class="muted">' + facts.join(' · ') + '</p></td>';
}
function renderLinks(list) {
  linksView.last = list;
  var sum = linkSummaryCounts(list);
  var summary = sum.total ? ['healthy', 'degraded', 'unknown', 'broken'].filter(function (s) { return sum[s] > 0; }).map(function (s) {
    return '<span class="lcount link-' + s + '">' + sum[s] + ' ' + s + '</span>';
  }).join(', ') : '<span class="muted">' + e(sum.text) + '</span>';
  var box = $('links-summary');
  if (box.innerHTML !== summary) box.innerHTML = summary;
  var sorted = linkSort(list);
  var all = JSON.stringify(sorted) + '\n' + Array.from(linksView.open).join('\n');
  if (all === linksView.sig) return;
  linksView.sig = all;
  var tbody = $('links-rows');
  var wanted = [];
  var seen = new Set();
  if (!sorted.length) {
    var none = tbody.querySelector('tr.empty') || document.createElement('tr');
    none.className = 'empty';
    var text = '<td colspan="' + LINK_COLS + '" class="muted">the estate has no links (links in the estate configuration)</td>';
    if (none.innerHTML !== text) none.innerHTML = text;
    wanted.push(none);
  }
  sorted.forEach(function (l) {
    var open = linksView.open.has(l.name);
    var sig = JSON.stringify(l) + (open ? '\nopen' : '');
    var r = linksView.rows.get(l.name);
    if (!r || r.sig !== sig) {
      var state = linkState(l.state);
      var tr = document.createElement('tr');
      tr.className = 'link l-' + state + (foView.link === l.name ? ' fo-open' : '');
      tr.setAttribute('data-name', l.name);
      tr.innerHTML = linkRowHtml(l, open);
      var more = null;
      if (open) {
        more = document.createElement('tr');
        more.className = 'link-more l-' + state;
        more.setAttribute('data-for', l.name);
        more.innerHTML = linkMoreHtml(l);
      }
      r = { tr: tr, more: more, sig: sig };
      linksView.rows.set(l.name, r);
    }
    seen.add(l.name);
    wanted.push(r.tr);
    if (r.more) wanted.push(r.more);
  });
  linksView.rows.forEach(function (r, name) { if (!seen.has(name)) linksView.rows.delete(name); });
  for (var i = 0; i < wanted.length; i++) {
    if (tbody.children[i] !== wanted[i]) tbody.insertBefore(wanted[i], tbody.children[i] || null);
  }
  while (tbody.children.length > wanted.length) tbody.removeChild(tbody.lastElementChild);
}
function linksError(text) {
  var a = $('links-error');
  if (!text) { if (!a.hidden) { a.hidden = true; a.textContent = ''; } return; }
  if (a.textContent !== text) a.textContent = text;
  a.hidden = false;
  if (!linksView.last) {
    var tbody = $('links-rows');
    var none = '<tr class="empty"><td colspan="' + LINK_COLS + '" class="muted">not loaded</td></tr>';
    if (tbody.innerHTML !== none) tbody.innerHTML = none;
  }
}
$('links-rows').addEventListener('click', function (ev) {
  var tr = ev.target.closest('tr.link');
  if (!tr) return;
  if (ev.target.closest('button.fobtn')) { toggleFailover(tr.getAttribute('data-name')); return; }
  var sel = window.getSelection ? window.getSelection() : null;
  if (sel && !sel.isCollapsed && sel.anchorNode && tr.contains(sel.anchorNode) && !ev.target.closest('button')) return;
  var name = tr.getAttribute('data-name');
  if (linksView.open.has(name)) linksView.open.delete(name); else linksView.open.add(name);
  var focused = !!ev.target.closest('button');
  if (linksView.last) renderLinks(linksView.last);
  var r = linksView.rows.get(name);
  if (focused && r) r.tr.querySelector('button').focus();
});
function linksTick() {
  clearTimeout(linksView.timer);
  linksView.timer = 0;
  if (halted || document.visibilityState === 'hidden') return;
  if (linksView.busy) { linksView.again = true; return; }
  linksView.busy = true;
  api('GET', 'links?lagMinutes=60', undefined, true).then(function (r) {
    renderLinks(r && Array.isArray(r.links) ? r.links : []);
    linksError('');
    var u = 'updated ' + absoluteTime(new Date().toISOString(), false).slice(11) + ' · every ' + LINKS_POLL_MS / 1000 + ' s';
    if ($('links-updated').textContent !== u) $('links-updated').textContent = u;
    renderFailoverHead();
    // the open failover panel's decisions, on the same poll (and only that link's)
    return loadDecisions();
  }).catch(function (err) {
    if (err && err.code === 'NO_KEY') return;
    linksError('Could not load the links: ' + ((err && err.message) || err));
  }).then(function () {
    // the refresh jobs, on the same slower poll (their state changes in minutes, not seconds): queued
    // behind the links, not waited for, so that the links' next poll keeps its time
    loadRefreshes();
  }).then(function () {
    linksView.busy = false;
    if (linksView.again) { linksView.again = false; linksTick(); }
    else if (!halted && document.visibilityState !== 'hidden') linksView.timer = setTimeout(linksTick, LINKS_POLL_MS);
  });
}
function requestLinks() { linksTick(); }

// ---- approvals waiting: a strip above everything, failovers first, from the operations the poll reads
function approvalHtml(op) {
  var a = op.approval || {};
  var fo = op.kind === 'failover';
  return '<li class="appr' + (fo ? ' fo' : '') + '" data-id="' + e(op.id) + '"><div class="abody">' +
    '<div class="ahead"><span class="tag' + (fo ? ' fo' : '') + '">' + e(op.kind) + '</span> <b>' + e(op.target) + '</b> ' +
      '<button type="button" class="idbtn" data-act="open" title="' + e(op.id) + '" aria-label="' + e('open operation ' + op.id) + '">' + e(shortId(op.id)) + '</button>' +
      (a.requestedAt ? ' <span class="muted">· asked ' + timeHtml(a.requestedAt) + '</span>' : '') +
      (a.expiresAt ? ' · <span class="warn">expires ' + e(absoluteTime(a.expiresAt, false)) + ' (<span data-left="' + e(a.expiresAt) + '">' + e(timeLeft(a.expiresAt, Date.now())) + '</span>)</span>' : '') + '</div>' +
    '<p class="aprompt">' + e(a.prompt || '') + '</p></div>' +
    '<div class="actions">' + allowedActions(op).filter(function (x) { return x === 'approve' || x === 'reject'; }).map(function (x) {
      return '<button type="button" class="act act-' + x + '" data-act="' + x + '" aria-label="' + e(ACTION_LABELS[x] + ' ' + op.kind + ' on ' + op.target) + '">' + ACTION_LABELS[x] + '</button>';
    }).join(' ') + '</div></li>';
}
function renderApprovals(ops, done) {
  var finished = new Set((done || []).map(function (o) { return o.id; }));
  var list = approvalsWaiting(ops.filter(function (o) { return !finished.has(o.id); }));
  approvalsView.ops = new Map();
  list.forEach(function (o) { approvalsView.ops.set(o.id, o); });
  var sig = JSON.stringify(list);
  if (sig === approvalsView.sig) return;
  approvalsView.sig = sig;
  var box = $('approvals');
  var ul = $('approvals-list');
  // the element that had the focus, to give it back after the rebuild (a keyboard user tabbing through)
  var focused = document.activeElement && ul.contains(document.activeElement) ? document.activeElement : null;
  var fid = focused && focused.closest('li.appr') ? focused.closest('li.appr').getAttribute('data-id') : '';
  var fact = focused ? focused.getAttribute('data-act') : '';
  if (!list.length) { box.hidden = true; ul.innerHTML = ''; return; }
  var fo = list.filter(function (o) { return o.kind === 'failover'; }).length;
  $('approvals-title').textContent = 'Approvals waiting · ' + list.length + (fo ? ' (' + fo + ' failover' + (fo > 1 ? 's' : '') + ')' : '');
  ul.innerHTML = list.map(approvalHtml).join('');
  box.hidden = false;
  if (fid) {
    var again = ul.querySelector('li.appr[data-id="' + fid.replace(/["\\]/g, '') + '"] [data-act="' + fact + '"]');
    if (again) again.focus();
  }
}
$('approvals-list').addEventListener('click', function (ev) {
  var b = ev.target.closest('button[data-act]');
  var li = b && b.closest('li.appr');
  if (!li) return;
  var op = approvalsView.ops.get(li.getAttribute('data-id'));
  if (!op) return;
  var act = b.getAttribute('data-act');
  if (act === 'open') { select(op.id, op); showDetail(); return; }
  openAction(act, op, 'approvals');
});
// the detail panel may be below the fold (the strip, the links and their panel above it)
function showDetail() {
  var d = $('detail');
  if (d.scrollIntoView) d.scrollIntoView({ block: 'nearest' });
}

// ---- the failover panel: one link's decisions (fetched only while it is open) and a form that asks for a playbook
function linkNamed(name) {
  var list = linksView.last || [];
  for (var i = 0; i < list.length; i++) if (list[i].name === name) return list[i];
  return null;
}
function markFailoverButtons() {
  linksView.rows.forEach(function (r, name) {
    var on = foView.link === name;
    var b = r.tr.querySelector('button.fobtn');
    if (b && b.getAttribute('aria-expanded') !== String(on)) b.setAttribute('aria-expanded', String(on));
    if (r.tr.classList.contains('fo-open') !== on) r.tr.classList.toggle('fo-open', on);
  });
}
function toggleFailover(name) {
  if (foView.link === name) closeFailover(true);
  else showFailover(name);
}
function showFailover(name) {
  foView = { link: name, gen: foView.gen + 1, sig: '', policy: null, names: '' };
  $('fo').hidden = false;
  $('fo-result').hidden = true;
  $('fo-result').innerHTML = '';
  $('fo-error').hidden = true;
  $('fo-policy').textContent = '';
  $('fo-updated').textContent = '';
  $('fo-decisions').innerHTML = '<li class="muted">loading the decisions of ' + e(name) + '…</li>';
  renderFailoverHead();
  renderTypeOptions();
  markFailoverButtons();
  var box = $('fo');
  if (box.scrollIntoView) box.scrollIntoView({ block: 'nearest' });
  loadDecisions();
}
function closeFailover(focusRow) {
  var name = foView.link;
  foView = { link: '', gen: foView.gen + 1, sig: '', policy: null, names: '' };
  $('fo').hidden = true;
  $('fo-decisions').innerHTML = '';
  markFailoverButtons();
  var r = focusRow && linksView.rows.get(name);
  if (r) r.tr.querySelector('button.fobtn').focus();
}
// the link selector and the link's sides, from the links the panel above last read
function renderFailoverHead() {
  if (!foView.link) return;
  var list = linkSort(linksView.last || []);
  var names = list.map(function (l) { return l.name; });
  if (names.indexOf(foView.link) < 0) names.push(foView.link);
  var key = names.join('\n');
  var sel = $('fo-link');
  if (foView.names !== key) {
    foView.names = key;
    sel.innerHTML = names.map(function (n) { return '<option value="' + e(n) + '">' + e(n) + '</option>'; }).join('');
  }
  if (sel.value !== foView.link) sel.value = foView.link;
  var l = linkNamed(foView.link);
  var text = l ? rolesText(l).text + ' · ' + linkState(l.state) : 'not among the links the panel above read';
  if ($('fo-sides').textContent !== text) $('fo-sides').textContent = text;
}
function renderTypeOptions() {
  var policy = foView.policy;
  Array.prototype.forEach.call($('fo-type').options, function (o) {
    var t = o.value + (typeAllowed(policy, o.value) ? '' : ' (not allowed)');
    if (o.textContent !== t) o.textContent = t;
    var title = typeAllowed(policy, o.value) ? '' : 'not among the types the policy of ' + foView.link + ' allows: the app refuses it';
    if (o.title !== title) o.title = title;
  });
  var hint = failoverTypeText($('fo-type').value);
  if ($('fo-type-hint').textContent !== hint) $('fo-type-hint').textContent = hint;
}
function loadDecisions() {
  var name = foView.link;
  if (!name || halted) return Promise.resolve();
  var g = foView.gen;
  return api('GET', 'links/' + encodeURIComponent(name) + '/decisions?limit=' + DECISIONS_LIMIT, undefined, true).then(function (r) {
    if (foView.gen !== g) return;
    $('fo-error').hidden = true;
    renderDecisions(r);
    $('fo-updated').textContent = 'decisions updated ' + absoluteTime(new Date().toISOString(), false).slice(11);
  }, function (err) {
    if (foView.gen !== g || (err && err.code === 'NO_KEY')) return;
    var a = $('fo-error');
    a.textContent = 'Could not load the decisions of ' + name + ': ' + ((err && err.message) || err);
    a.hidden = false;
    if (!foView.sig) $('fo-decisions').innerHTML = '<li class="muted">not loaded</li>';
  });
}
function decisionKey(d) { return String(d.signalKey || '') + '|' + String(d.decidedAt || ''); }
function decisionHtml(d, link) {
  var b = decisionBadge(d);
  var what = failoverWhat(d, link);
  var est = estimateText(d.estimate);
  var times = deliveriesText(d.deliveries);
  var reasons = Array.isArray(d.reasons) ? d.reasons : [];
  var signal = d.signal && d.signal.description ? d.signal.description : '';
  var meta = [
    signal ? '<span class="dsig" title="' + e('signal: ' + (d.signal.kind || '') + (d.signalKey ? ' (' + d.signalKey + ')' : '')) + '">' + e(signal) + '</span>' : '',
    est ? '<span class="dest" title="' + e(estimateTitle(d.estimate)) + '">' + e(est) + '</span>' : '',
    times ? '<span class="ddel" title="the same signal was delivered this many times; it was decided once">' + e(times) + '</span>' : '',
    d.operationId ? 'operation <button type="button" class="idbtn dop" data-op="' + e(d.operationId) + '" aria-label="' + e('open operation ' + d.operationId) + '">' + e(d.operationId) + '</button>' : ''
  ].filter(Boolean);
  return '<li class="dec ' + e(b.cls) + '">' +
    '<div class="dline">' + timeHtml(d.decidedAt) + ' <span class="badge" title="' + e(b.title) + '">' + e(b.label) + '</span>' +
      (d.wouldBe ? ' <span class="chip" title="the policy is a dry run">dry run, would ' + e(d.wouldBe) + '</span>' : d.dryRun ? ' <span class="chip">dry run</span>' : '') +
      (what ? ' <b class="dwhat">' + e(what) + '</b>' : '') + ' <span class="dsum">' + e(decisionSummary(d)) + '</span></div>' +
    (meta.length ? '<div class="dmeta muted">' + meta.join(' · ') + '</div>' : '') +
    (reasons.length ? '<details data-k="' + e(decisionKey(d)) + '"><summary>' + (reasons.length === 1 ? 'why: 1 reason' : 'why: ' + reasons.length + ' reasons') + '</summary><ul class="dreasons">' +
      reasons.map(function (r) { return '<li><b class="rcode">' + e(r.code) + '</b> ' + e(r.message) + '</li>'; }).join('') + '</ul></details>' : '') +
    '</li>';
}
function renderDecisions(r) {
  var list = r && Array.isArray(r.decisions) ? r.decisions : [];
  foView.policy = r && r.policy && typeof r.policy === 'object' ? r.policy : null;
  var policy = policyText(foView.policy);
  if ($('fo-policy').textContent !== policy) $('fo-policy').textContent = policy;
  renderTypeOptions();
  var l = linkNamed(foView.link);
  var names = l ? { sqlServer: l.sqlServer, managedInstance: l.managedInstance } : null;
  var sig = JSON.stringify(list) + '\n' + JSON.stringify(names);
  if (sig === foView.sig) return;
  foView.sig = sig;
  var ol = $('fo-decisions');
  // what the reader unfolded stays unfolded, and the focus where it was
  var open = new Set();
  Array.prototype.forEach.call(ol.querySelectorAll('details[data-k]'), function (x) { if (x.open) open.add(x.getAttribute('data-k')); });
  var focused = document.activeElement && ol.contains(document.activeElement) ? document.activeElement : null;
  var fkey = focused && focused.closest('details[data-k]') ? focused.closest('details[data-k]').getAttribute('data-k') : '';
  var fop = focused ? focused.getAttribute('data-op') : '';
  ol.innerHTML = list.length ? list.map(function (d) { return decisionHtml(d, names); }).join('')
    : '<li class="muted">no decisions yet: one is stored for every health change, alert and request of this link</li>';
  Array.prototype.forEach.call(ol.querySelectorAll('details[data-k]'), function (x) {
    if (open.has(x.getAttribute('data-k'))) x.open = true;
    if (fkey && x.getAttribute('data-k') === fkey && !fop) x.querySelector('summary').focus();
  });
  if (fop) { var b = ol.querySelector('button.dop[data-op="' + fop.replace(/["\\]/g, '') + '"]'); if (b) b.focus(); }
}
function openOperation(id) {
  select(id);
  showDetail();
}
$('fo-decisions').addEventListener('click', function (ev) {
  var b = ev.target.closest('button.dop');
  if (b) openOperation(b.getAttribute('data-op'));
});
$('fo-result').addEventListener('click', function (ev) {
  var b = ev.target.closest('button.dop');
  if (b) openOperation(b.getAttribute('data-op'));
});
$('fo-close').addEventListener('click', function () { closeFailover(true); });
$('fo-link').addEventListener('change', function () { if ($('fo-link').value && $('fo-link').value !== foView.link) showFailover($('fo-link').value); });
$('fo-type').addEventListener('change', renderTypeOptions);
$('fo-form').addEventListener('submit', function (ev) {
  ev.preventDefault();
  if (foView.link) openStart(foView.link, $('fo-type').value, $('fo-dry').checked);
});
// the confirmation: what is asked, of which link, and what it does; the API takes no name for it
function openStart(link, type, dryRun) {
  pendingAction = { act: 'failover', link: link, type: type, dryRun: dryRun };
  var l = linkNamed(link);
  $('confirm-title').textContent = dryRun ? 'Dry run a ' + type + ' failover?' : 'Start a ' + type + ' failover?';
  $('confirm-what').innerHTML = '<b>' + e(type) + '</b> failover' + (dryRun ? ' <span class="chip">dry run</span>' : '') + ' of link <b>' + e(link) + '</b>' +
    (l ? '<br><span class="muted">now ' + e(rolesText(l).text) + ' · ' + e(linkState(l.state)) + '</span>' : '') +
    (typeAllowed(foView.policy, type) ? '' : '<br><span class="warn">' + e(type) + ' is not among the types the policy allows: the app will refuse it</span>');
  var ap = $('confirm-approval');
  ap.innerHTML = '';
  ap.hidden = true;
  $('confirm-effect').textContent = failoverEffect(type, dryRun) + ' The request is recorded as made by the signed-in user with App Service authentication, else by “api”.';
  $('confirm-by-row').hidden = true;
  $('confirm-text-row').hidden = true;
  $('confirm-error').textContent = '';
  $('confirm-error').hidden = true;
  var ok = $('confirm-ok');
  ok.textContent = dryRun ? 'Run the dry run' : 'Start the failover';
  ok.className = dryRun ? 'primary' : 'danger';
  ok.disabled = false;
  $('confirm').showModal();
  ok.focus();
}
function foResult(html, bad) {
  var r = $('fo-result');
  r.innerHTML = html;
  r.classList.toggle('bad', !!bad);
  r.hidden = !html;
}
function submitFailover(p) {
  var ok = $('confirm-ok');
  var err = $('confirm-error');
  ok.disabled = true;
  ok.textContent = 'Sending…';
  err.hidden = true;
  var what = p.type + (p.dryRun ? ' dry run' : ' failover') + ' of ' + p.link;
  api('POST', 'failovers', { link: p.link, type: p.type, dryRun: p.dryRun }).then(function (res) {
    if (pendingAction === p) $('confirm').close();
    var op = res && res.operation;
    var summary = res && res.decision ? decisionSummary(res.decision) : '';
    if (foView.link === p.link) {
      foResult('<p>Started operation ' + (op && op.id ? '<button type="button" class="idbtn dop" data-op="' + e(op.id) + '">' + e(op.id) + '</button>' : '?') +
        ' (' + e(what) + ')' + (summary ? ': ' + e(summary) : '') + '</p>');
    }
    if (op && op.id) {
      select(op.id, op);
      flash('Started operation ' + op.id + ' (' + what + ').');
    }
    loadDecisions();
    requestRefresh();
  }, function (x) {
    var refusal = x.status === 409 ? failoverRefusal(x.body) : undefined;
    if (refusal && refusal.decision) {
      // not started: the decision point said no, and why; the dialog closes on that answer
      if (pendingAction === p) $('confirm').close();
      var d = refusal.decision;
      var b = decisionBadge(d);
      foResult('<p><b>Not started</b> (' + e(what) + '): ' + e(decisionSummary(d) || refusal.summary) + '</p>' +
        '<p class="' + e(b.cls) + '">decision <span class="badge" title="' + e(b.title) + '">' + e(b.label) + '</span>' +
          (estimateText(d.estimate) ? ' · <span title="' + e(estimateTitle(d.estimate)) + '">' + e(estimateText(d.estimate)) + '</span>' : '') + '</p>' +
        (refusal.reasons.length ? '<ul class="refusal-reasons">' + refusal.reasons.map(function (r) { return '<li><b class="rcode">' + e(r.code) + '</b> ' + e(r.message) + '</li>'; }).join('') + '</ul>' : ''), true);
      loadDecisions();
      return;
    }
    if (pendingAction !== p) { foResult('<p>Not started (' + e(what) + '): ' + e(x.message) + '</p>', true); return; }
    err.textContent = 'Not started: ' + x.message;
    err.hidden = false;
    ok.disabled = false;
    ok.textContent = p.dryRun ? 'Run the dry run' : 'Start the failover';
  });
}

// ---- the refresh jobs panel: every job of the estate, read on the links' poll (every 10 s); Run now
// (after a confirmation), Pause and Resume. A job's last run opens in the operation detail.
// acting: job name -> 'pause' | 'resume' while that request is out; last: the jobs as last read
var rjView = { busy: false, again: false, sig: '', last: null, acting: new Map() };

function rjNamed(name) {
  var list = rjView.last || [];
  for (var i = 0; i < list.length; i++) if (list[i].name === name) return list[i];
  return null;
}
function rjRowHtml(j) {
  var badges = refreshJobBadges(j);
  var words = scheduleText(j.schedule);
  var zone = j.timeZone || 'UTC';
  var run = j.lastRun && typeof j.lastRun === 'object' ? j.lastRun : null;
  var acting = rjView.acting.get(j.name);
  var last = '<span class="muted">never run</span>';
  if (run) {
    var b = refreshRunBadge(run);
    var at = run.endedAt || run.startedAt;
    last = '<span class="rjstate ' + e(b.cls) + '"><span class="badge" title="' + e(b.title) + '">' + e(b.label) + '</span></span> ' +
      '<span class="rjslot" title="' + e(slotText(run.slot)) + '">' + (String(run.slot).slice(0, 7) === 'manual:' ? 'run now' : 'scheduled') + '</span>, ' +
      (run.endedAt ? 'ended ' : 'started ') + timeHtml(at) +
      (typeof run.durationSeconds === 'number' ? ' · took ' + e(duration(run.durationSeconds)) : '') +
      ' · <button type="button" class="idbtn rjop" data-op="' + e(run.operationId) + '" title="' + e(run.operationId) + '" aria-label="' + e('open operation ' + run.operationId) + '">' + e(shortId(run.operationId)) + '</button>' +
      (run.error ? '<div class="rjerr" title="' + e(run.error.code + ': ' + run.error.message) + '"><b class="rcode sev-broken">' + e(run.error.code) + '</b> ' + e(run.error.message) + '</div>' : '');
  }
  var toggle = j.paused ? 'resume' : 'pause';
  var toggleText = acting ? (acting === 'pause' ? 'Pausing…' : 'Resuming…') : j.paused ? 'Resume' : 'Pause';
  return '<td class="rjname"><b>' + e(j.name) + '</b>' + badges.map(function (x) {
      return ' <span class="badge ' + e(x.cls) + '" title="' + e(x.title) + '">' + e(x.label) + '</span>';
    }).join('') + '</td>' +
    '<td class="rjends" title="' + e('copies ' + j.source + ' over ' + j.target) + '">' + e(j.source) + '<br>→ <b>' + e(j.target) + '</b></td>' +
    '<td class="rjsched">' + (words ? '<span class="rjwords">' + e(words) + '</span> ' : '') + '<span class="muted rjzone">' + e(zone) + '</span><br>' +
      '<code title="NCRONTAB: second minute hour day month day-of-week, read in ' + e(zone) + '">' + e(j.schedule) + '</code></td>' +
    '<td class="rjnext">' + (j.nextRun ? '<span class="rjwhen" title="' + e(timeTitle(j.nextRun)) + '">' + e(localWhen(j.nextRun)) + '</span> <span class="muted rjwhen">(' + timeHtml(j.nextRun) + ')</span>'
      : '<span class="muted">' + e(refreshNoNextRun(j)) + '</span>') + '</td>' +
    '<td class="rjlast">' + last + '</td>' +
    '<td class="rjact"><button type="button" class="rjrun" data-act="run" aria-label="' + e('Run now… ' + j.name) + '">Run now…</button> ' +
      '<button type="button" class="rjtoggle" data-act="' + toggle + '"' + (acting ? ' aria-disabled="true"' : '') + ' aria-label="' + e(toggleText + ' ' + j.name) + '">' + e(toggleText) + '</button></td>';
}
function renderRefreshes(list) {
  rjView.last = list;
  var c = refreshCounts(list);
  var summary = c.failed ? e(c.text).replace(/(\d+ failed)/, '<span class="rj-bad">$1</span>') : e(c.text);
  if (!list.length) summary += ' <span class="muted">(refreshJobs in the estate configuration)</span>';
  if ($('rj-summary').innerHTML !== summary) $('rj-summary').innerHTML = summary;
  // no job: the summary says so, no empty table below it
  $('rj-scroll').hidden = !list.length;
  var sig = JSON.stringify(list) + '\n' + JSON.stringify(Array.from(rjView.acting));
  if (sig === rjView.sig) return;
  rjView.sig = sig;
  var tbody = $('rj-rows');
  // the focus stays on the button it was on (a toggled Pause is the same button, now Resume)
  var focused = document.activeElement && tbody.contains(document.activeElement) ? document.activeElement : null;
  var fname = focused && focused.closest('tr.rj') ? focused.closest('tr.rj').getAttribute('data-name') : '';
  var fcls = focused ? focused.className : '';
  if (!list.length) { tbody.innerHTML = ''; return; }
  tbody.innerHTML = list.map(function (j) {
    var failed = j.lastRun && (j.lastRun.state === 'failed' || j.lastRun.state === 'cancelled');
    return '<tr class="rj' + (failed ? ' rj-failed' : '') + '" data-name="' + e(j.name) + '">' + rjRowHtml(j) + '</tr>';
  }).join('');
  if (fname && fcls) {
    Array.prototype.forEach.call(tbody.querySelectorAll('tr.rj'), function (tr) {
      var again = tr.getAttribute('data-name') === fname ? tr.querySelector('button.' + fcls.split(' ').pop()) : null;
      if (again) again.focus();
    });
  }
}
function rjError(text) {
  var a = $('rj-error');
  if (!text) { if (!a.hidden) { a.hidden = true; a.textContent = ''; } return; }
  if (a.textContent !== text) a.textContent = text;
  a.hidden = false;
  // never loaded: the error alone, no empty table; loaded before: the last rows stay, under the error
  if (!rjView.last) {
    $('rj-scroll').hidden = true;
    if ($('rj-summary').textContent !== 'not loaded') $('rj-summary').textContent = 'not loaded';
  }
}
// what Run now, Pause or Resume did, or why not: above the table, until the next one
function rjResult(html, bad) {
  var r = $('rj-result');
  r.innerHTML = html;
  r.classList.toggle('bad', !!bad);
  r.hidden = !html;
}
// never rejects: the links' poll carries on after it
function loadRefreshes() {
  if (halted) return Promise.resolve();
  if (rjView.busy) { rjView.again = true; return Promise.resolve(); }
  rjView.busy = true;
  return api('GET', 'refreshes', undefined, true).then(function (r) {
    renderRefreshes(r && Array.isArray(r.refreshes) ? r.refreshes : []);
    rjError('');
    var u = 'updated ' + absoluteTime(new Date().toISOString(), false).slice(11) + ' · every ' + LINKS_POLL_MS / 1000 + ' s';
    if ($('rj-updated').textContent !== u) $('rj-updated').textContent = u;
  }, function (err) {
    if (err && err.code === 'NO_KEY') return;
    rjError('Could not load the refresh jobs: ' + ((err && err.message) || err));
  }).then(function () {
    rjView.busy = false;
    if (rjView.again) { rjView.again = false; return loadRefreshes(); }
  });
}
$('rj-rows').addEventListener('click', function (ev) {
  var b = ev.target.closest('button');
  var tr = b && b.closest('tr.rj');
  if (!tr) return;
  if (b.hasAttribute('data-op')) { openOperation(b.getAttribute('data-op')); return; }
  var j = rjNamed(tr.getAttribute('data-name'));
  if (!j) return;
  var act = b.getAttribute('data-act');
  if (act === 'run') openRun(j);
  else if (act === 'pause' || act === 'resume') setPaused(j.name, act);
});
$('rj-result').addEventListener('click', function (ev) {
  var b = ev.target.closest('button[data-op]');
  if (b) openOperation(b.getAttribute('data-op'));
});
// Pause and Resume need no confirmation: each undoes the other, and neither starts or stops a run
function setPaused(name, act) {
  if (rjView.acting.has(name)) return;
  rjView.acting.set(name, act);
  if (rjView.last) renderRefreshes(rjView.last);
  api('POST', 'refreshes/' + encodeURIComponent(name) + '/' + act, {}).then(function (r) {
    rjView.acting.delete(name);
    var paused = r && typeof r.paused === 'boolean' ? r.paused : act === 'pause';
    // the answer at once; the next run comes with the list read after it
    if (rjView.last) {
      renderRefreshes(rjView.last.map(function (j) {
        return j.name === name ? Object.assign({}, j, { paused: paused, nextRun: paused ? undefined : j.nextRun }) : j;
      }));
    }
    rjResult('<p>' + e(paused
      ? 'Paused ' + name + ': its schedule starts no run until it is resumed (Run now still runs it).'
      : 'Resumed ' + name + ': its schedule starts its runs again.') + '</p>', false);
    return loadRefreshes();
  }, function (x) {
    rjView.acting.delete(name);
    if (rjView.last) renderRefreshes(rjView.last);
    if (x && x.code === 'NO_KEY') return;
    rjResult('<p>' + e((act === 'pause' ? 'Not paused (' : 'Not resumed (') + name + '): ' + (refreshRefusal(x.status, x.body) || x.message)) + '</p>', true);
    return loadRefreshes();
  });
}
// the confirmation: which job, from where into what, and what a run does; the API takes no name for it
function openRun(j) {
  pendingAction = { act: 'refresh', job: j.name };
  var badges = refreshJobBadges(j);
  var run = j.lastRun;
  $('confirm-title').textContent = 'Run refresh job ' + j.name + ' now?';
  $('confirm-what').innerHTML = 'Refresh job <b>' + e(j.name) + '</b>' + badges.map(function (x) { return ' <span class="badge ' + e(x.cls) + '">' + e(x.label) + '</span>'; }).join('') +
    '<br>from <b>' + e(j.source) + '</b> into <b>' + e(j.target) + '</b>' +
    (run && isOpenState(run.state) ? '<br><span class="warn">its last run (' + e(run.operationId) + ') is still ' + e(run.state) + ': a job runs once at a time, so the app refuses a second run until it ends</span>' : '');
  var ap = $('confirm-approval');
  ap.innerHTML = '';
  ap.hidden = true;
  $('confirm-effect').textContent = refreshRunEffect(j);
  $('confirm-by-row').hidden = true;
  $('confirm-text-row').hidden = true;
  $('confirm-error').textContent = '';
  $('confirm-error').hidden = true;
  var ok = $('confirm-ok');
  ok.textContent = 'Run the refresh';
  ok.className = 'danger';
  ok.disabled = false;
  $('confirm').showModal();
  ok.focus();
}
function submitRefreshRun(p) {
  var ok = $('confirm-ok');
  var err = $('confirm-error');
  ok.disabled = true;
  ok.textContent = 'Sending…';
  err.hidden = true;
  api('POST', 'refreshes/' + encodeURIComponent(p.job) + '/run', {}).then(function (op) {
    if (pendingAction === p) $('confirm').close();
    if (op && op.id) {
      rjResult('<p>Started operation <button type="button" class="idbtn" data-op="' + e(op.id) + '" aria-label="' + e('open operation ' + op.id) + '">' + e(op.id) + '</button> (refresh ' + e(p.job) + ').</p>', false);
      select(op.id, op);
      showDetail();
      flash('Started operation ' + op.id + ' (refresh ' + p.job + ').');
    } else {
      rjResult('<p>' + e('Asked to run ' + p.job + '.') + '</p>', false);
    }
    loadRefreshes();
    requestRefresh();
  }, function (x) {
    // not started (409), or no such job (404): the app's message, plainly, beside the job
    var plain = refreshRefusal(x.status, x.body);
    if (plain) {
      if (pendingAction === p) $('confirm').close();
      rjResult('<p><b>Not started</b> (refresh ' + e(p.job) + '): ' + e(plain) + '</p>', true);
      loadRefreshes();
      return;
    }
    if (pendingAction !== p) { rjResult('<p>' + e('Not started (refresh ' + p.job + '): ' + x.message) + '</p>', true); return; }
    err.textContent = 'Not started: ' + x.message;
    err.hidden = false;
    ok.disabled = false;
    ok.textContent = 'Run the refresh';
  });
}
// a refresh operation: what it copied where, then (when it ends) its phases, backup, sanitizing,
// the columns no script could mask, the validation, the copies kept and dropped, and its checks
function refreshHtml(op) {
  var out = op.output && typeof op.output === 'object' ? op.output : null;
  var o = out || {};
  var inp = op.input && typeof op.input === 'object' ? op.input : {};
  var end = function (x) { return x && typeof x === 'object' ? (x.instance || '?') + '/' + (x.database || '?') : ''; };
  var job = o.job || inp.job || '';
  var source = o.source || end(inp.source);
  var target = o.target || end(inp.target);
  var slot = o.slot || inp.slot;
  var phases = Array.isArray(o.phases) ? o.phases : [];
  var backup = Array.isArray(o.backup) ? o.backup : [];
  var sanitized = o.sanitized && typeof o.sanitized === 'object' ? o.sanitized : null;
  var messages = sanitized && Array.isArray(sanitized.messages) ? sanitized.messages : [];
  var scriptsFrom = sanitized && Array.isArray(sanitized.from) ? sanitized.from : [];
  var users = o.users && typeof o.users === 'object' ? o.users : null;
  var notMasked = notMaskedColumns(o);
  var v = o.validation && typeof o.validation === 'object' && typeof o.validation.tables === 'number' ? o.validation : null;
  var diffs = v && Array.isArray(v.differences) ? v.differences : [];
  var dropped = Array.isArray(o.dropped) ? o.dropped : [];
  var checks = Array.isArray(o.checks) ? o.checks : [];
  var h = '<section class="box rjbox"><h3>Refresh' + (job ? ' <b>' + e(job) + '</b>' : '') + '</h3>';
  h += dl([
    ['from', source ? e(source) : ''],
    ['into', target ? e(target) : ''],
    ['run', slot ? e(slotText(slot)) : ''],
    ['asked by', inp.requestedBy ? e(inp.requestedBy) : ''],
    ['restore', o.restoreOperation ? 'operation ' + opLink(o.restoreOperation) : ''],
    ['previous copy', o.previousCopy ? 'kept as <code>' + e(o.previousCopy) + '</code>' : out ? '<span class="muted">none: the target had no copy before</span>' : ''],
    ['copies dropped', dropped.length ? e(dropped.join(', ')) : out ? '<span class="muted">none</span>' : '']
  ]);
  if (!out) {
    h += '<p class="muted">' + (isOpenState(op.state)
      ? 'Its phases, checks and results come with its output when it ends; the steps so far are in the audit trail below.'
      : 'No output was recorded; the error above and the audit trail below say how far it got.') + '</p>';
  }
  if (notMasked.length) {
    h += '<div class="notmasked" role="note"><h4><span aria-hidden="true">⚠ </span>' + notMasked.length + (notMasked.length === 1 ? ' column' : ' columns') + ' NOT masked</h4><ul>' + notMasked.map(function (c) {
      return '<li><span class="nm-tag">NOT masked</span> <code>' + e(c.column) + '</code>' + (c.why ? ' <span class="muted">' + e(c.why) + '</span>' : '') + '</li>';
    }).join('') + '</ul></div>';
  }
  if (phases.length) {
    var total = 0;
    phases.forEach(function (p) { if (p && typeof p.seconds === 'number') total += p.seconds; });
    h += '<h4>Phases</h4><table class="mini phases"><thead><tr><th>phase</th><th>started</th><th class="num">took</th></tr></thead><tbody>' + phases.map(function (p) {
      return '<tr><td>' + e(p.name) + '</td><td class="nw">' + (p.startedAt ? '<time datetime="' + e(p.startedAt) + '" title="' + e(timeTitle(p.startedAt)) + '">' + e(absoluteTime(p.startedAt, false).slice(11)) + '</time>' : '') +
        '</td><td class="num">' + e(phaseSeconds(p.seconds) || (p.endedAt ? '' : 'running')) + '</td></tr>';
    }).join('') + '</tbody><tfoot><tr><td>total</td><td></td><td class="num">' + e(phaseSeconds(total)) + '</td></tr></tfoot></table>';
  }
  if (backup.length) {
    h += '<h4>Backup · ' + backup.length + (backup.length === 1 ? ' blob' : ' blobs') + ' <span class="muted">(copy-only)</span></h4><ol class="files">' + backup.map(function (u) { return fileHtml(blobDisplay(u)); }).join('') + '</ol>';
  }
  if (sanitized) {
    var n = Number(sanitized.scripts) || 0;
    h += '<h4>Sanitizing · ' + (n === 1 ? '1 script' : n + ' scripts') + ' run</h4>' +
      (scriptsFrom.length ? '<ul class="from muted">' + scriptsFrom.map(function (f) { return '<li>' + e(f) + '</li>'; }).join('') + '</ul>' : '') + (messages.length
      ? '<ol class="msgs">' + messages.map(function (m) { return '<li>' + e(m) + '</li>'; }).join('') + '</ol>'
      : '<p class="muted">' + (n ? 'no messages' : 'the job has no sanitizing scripts') + '</p>');
  }
  if (users) {
    var names = function (a) { return Array.isArray(a) ? a.filter(function (x) { return typeof x === 'string'; }) : []; };
    var remapped = names(users.remapped);
    var orphaned = names(users.orphaned);
    var refused = names(users.failed);
    h += '<h4>Users</h4>' + dl([
      ['re-mapped', remapped.length ? e(remapped.join(', ')) + ' <span class="muted">to the target’s login of the same name</span>' : '<span class="muted">none needed</span>'],
      ['orphaned', orphaned.length ? '<span class="warn">' + e(orphaned.join(', ')) + '</span> <span class="muted">no login of that name on the target: they cannot sign in</span>' : 'none'],
      ['refused', refused.length ? '<ul class="diffs">' + refused.map(function (d) { return '<li>' + e(d) + '</li>'; }).join('') + '</ul>' : '']
    ]);
  }
  if (v) {
    h += '<h4>Validation</h4>' + dl([
      ['row counts', e(v.tables + (v.tables === 1 ? ' table' : ' tables') + ' compared with ' + (source || 'the source'))],
      ['differences', diffs.length ? '<ul class="diffs">' + diffs.map(function (d) { return '<li>' + e(d) + '</li>'; }).join('') + '</ul>' : 'none']
    ]);
  }
  h += checksHtml(checks);
  return h + '</section>';
}

// ---- polling: every few seconds while the page is visible, never two at once
async function refresh() {
  var g = generation;
  var f = filters;
  var open = null, openMore = false, done, older, title;
  if (f.state === 'recent') {
    var o = await api('GET', 'operations?' + operationsQuery(f, 'open', ''));
    var d = await api('GET', 'operations?' + operationsQuery(f, FINISHED, cont));
    open = o.operations || [];
    openMore = !!o.continuation;
    done = d.operations || [];
    older = d.continuation || '';
    title = cont ? 'Finished, older' : 'Recently finished';
  } else {
    var one = await api('GET', 'operations?' + operationsQuery(f, f.state === 'all' ? '' : f.state, cont));
    done = one.operations || [];
    older = one.continuation || '';
    title = STATE_TITLES[f.state] || f.state;
  }
  // the approvals waiting: from the open list when it holds all of them, else asked for
  var waiting = open && !f.kind && !f.target && !openMore ? open : null;
  if (!waiting) {
    var w = await api('GET', 'operations?state=awaiting-approval&limit=100');
    waiting = (w && w.operations) || [];
  }
  renderApprovals(waiting, done);
  if (g !== generation) return;
  olderCont = older;
  renderList(open, done, title + ' · ' + done.length + (pages.length ? ' · page ' + (pages.length + 1) : ''), openMore);
  if ($('events-box').open) renderEvents(await api('GET', 'events?limit=30'));
  if (filters.op) {
    var row = listed.get(filters.op);
    var stale = !detail.op || (row && row.updatedAt !== detail.op.updatedAt) || Date.now() - detail.at > 15000;
    if (stale && detail.id) await loadDetail(detail.id);
  }
}
function tick() {
  clearTimeout(timer);
  timer = 0;
  if (halted) return;
  if (document.visibilityState === 'hidden') { setStatus('paused while this tab is hidden'); return; }
  if (polling) { pollAgain = true; return; }
  polling = true;
  refresh().then(function () {
    showAlert('');
    setStatus('updated ' + absoluteTime(new Date().toISOString(), false).slice(11) + ' · every ' + POLL_MS / 1000 + ' s');
  }, function (err) {
    if (err && (err.status === 401 || err.code === 'NO_KEY')) return;
    var text = 'Could not load the operations: ' + ((err && err.message) || err);
    showAlert(text);
    setStatus('not updated', true);
  }).then(function () {
    polling = false;
    refreshTimes();
    if (pollAgain) { pollAgain = false; tick(); }
    else if (!halted && document.visibilityState !== 'hidden') timer = setTimeout(tick, POLL_MS);
  });
}
function requestRefresh() {
  if (polling) { pollAgain = true; return; }
  tick();
}
document.addEventListener('visibilitychange', function () {
  if (document.visibilityState === 'visible') { requestRefresh(); requestLinks(); }
  else { clearTimeout(timer); timer = 0; clearTimeout(linksView.timer); linksView.timer = 0; }
});
$('refresh').addEventListener('click', function () { requestRefresh(); requestLinks(); });

syncForm();
updatePager();
if (!getKey()) showKeyPanel('missing');
else {
  if (filters.op) select(filters.op);
  tick();
  linksTick();
}
`;
