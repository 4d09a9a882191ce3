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
function ApiError(status, message, code) { this.status = status; this.message = message; this.code = code || ''; }
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
        if (!r.ok) throw new ApiError(r.status, apiErrorText(r.status, data), data && data.error && data.error.code);
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
  if (out && !isSkipped(op) && (op.kind === 'restore' || out.backup || out.files)) h += restoreHtml(out);
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
function openAction(act, op) {
  var a = ACTIONS[act];
  if (!a) return;
  pendingAction = { act: act, op: op };
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
    if (pendingAction !== p) { flash('Not done: ' + x.message, true); return; }
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

// ---- the links panel: its own poll (every 10 s, through the same one-at-a-time queue), the worst
// links first; a row is rebuilt only when its link changed, nothing at all when no link did
var LINK_COLS = 9;
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
      '<span class="lmsg">' + e(linkMessage(l)) + '</span>' + (notes.length ? ' <span class="muted">· ' + e(notes.join(' · ')) + '</span>' : '') + '</td>';
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
      tr.className = 'link l-' + state;
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
  }).catch(function (err) {
    if (err && err.code === 'NO_KEY') return;
    linksError('Could not load the links: ' + ((err && err.message) || err));
  }).then(function () {
    linksView.busy = false;
    if (linksView.again) { linksView.again = false; linksTick(); }
    else if (!halted && document.visibilityState !== 'hidden') linksView.timer = setTimeout(linksTick, LINKS_POLL_MS);
  });
}
function requestLinks() { linksTick(); }

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
