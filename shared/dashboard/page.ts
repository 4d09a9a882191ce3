// The dashboard: one static page whose script polls the app's own API (operations, their audit
// trail, recent events) with the function key it was opened with. No framework, no build step.

export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mi-autopilot</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f8fa; }
  header { background: #0b3d62; color: #fff; padding: 12px 20px; display: flex; justify-content: space-between; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  main { display: grid; grid-template-columns: 2fr 1fr; gap: 16px; padding: 16px 20px; }
  section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 12px; overflow: auto; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
  tr.op { cursor: pointer; }
  tr.op:hover { background: #f0f6fc; }
  .state { font-weight: 600; }
  .succeeded { color: #1a7f37; } .failed { color: #cf222e; } .running, .pending { color: #0969da; } .waiting, .awaiting-approval { color: #9a6700; } .cancelled { color: #57606a; }
  .bar { width: 120px; height: 10px; background: #eaeef2; border-radius: 5px; display: inline-block; vertical-align: middle; }
  .bar > span { display: block; height: 100%; background: #0969da; border-radius: 5px; }
  .muted { color: #57606a; }
  #detail pre { white-space: pre-wrap; font-size: 12px; }
  .error { color: #cf222e; }
</style>
</head>
<body>
<header><h1>mi-autopilot</h1><span id="status" class="muted">loading…</span></header>
<main>
  <section>
    <h2>Operations</h2>
    <table>
      <thead><tr><th>Operation</th><th>Kind</th><th>Target</th><th>State</th><th>Step</th><th>Progress</th><th>Updated</th></tr></thead>
      <tbody id="operations"><tr><td colspan="7" class="muted">no operations yet</td></tr></tbody>
    </table>
    <div id="detail"></div>
  </section>
  <section>
    <h2>Recent events</h2>
    <table><tbody id="events"><tr><td class="muted">no events yet</td></tr></tbody></table>
  </section>
</main>
<script>
(function () {
  var key = new URLSearchParams(location.search).get('code');
  var selected = null;
  function api(path) {
    // relative to /api/dashboard, so 'operations' is /api/operations wherever the app is hosted
    var url = path + (key ? (path.indexOf('?') < 0 ? '?' : '&') + 'code=' + encodeURIComponent(key) : '');
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }
  function text(s) { var d = document.createElement('div'); d.textContent = s == null ? '' : String(s); return d.innerHTML; }
  function time(s) { return s ? new Date(s).toLocaleTimeString() : ''; }
  function bar(p) { return p ? '<span class="bar" title="' + p.percent + '%"><span style="width:' + p.percent + '%"></span></span> ' + p.percent + '%' : ''; }
  function renderOperations(ops) {
    var body = document.getElementById('operations');
    if (!ops.length) { body.innerHTML = '<tr><td colspan="7" class="muted">no operations yet</td></tr>'; return; }
    body.innerHTML = ops.map(function (o) {
      return '<tr class="op" data-id="' + text(o.id) + '"><td>' + text(o.id) + '</td><td>' + text(o.kind) + '</td><td>' + text(o.target) +
        '</td><td class="state ' + text(o.state) + '">' + text(o.state) + (o.error ? '<div class="error">' + text(o.error.code) + ': ' + text(o.error.message) + '</div>' : '') +
        (o.waitingFor ? '<div class="muted">' + text(o.waitingFor) + '</div>' : '') + '</td><td>' + text(o.step) + '</td><td class="progress">' + bar(o.progress) +
        '</td><td>' + time(o.updatedAt) + '</td></tr>';
    }).join('');
    Array.prototype.forEach.call(body.querySelectorAll('tr.op'), function (tr) {
      tr.addEventListener('click', function () { selected = tr.getAttribute('data-id'); refreshDetail(); });
    });
  }
  function renderEvents(events) {
    var body = document.getElementById('events');
    if (!events.length) { body.innerHTML = '<tr><td class="muted">no events yet</td></tr>'; return; }
    body.innerHTML = events.map(function (e) {
      var d = e.data || {};
      return '<tr><td>' + time(e.time) + '</td><td>' + text(e.type.replace('MiAutopilot.', '')) + '</td><td>' + text(d.targetKey) +
        (d.percent != null ? ' ' + d.percent + '%' : '') + (d.error ? '<div class="error">' + text(d.error.code) + '</div>' : '') + '</td></tr>';
    }).join('');
  }
  function refreshDetail() {
    if (!selected) return;
    api('operations/' + encodeURIComponent(selected)).then(function (op) {
      document.getElementById('detail').innerHTML = '<h2>' + text(op.id) + ' — audit trail</h2><table>' + op.audit.map(function (a) {
        return '<tr><td>' + time(a.at) + '</td><td>' + text(a.actor) + '</td><td>' + text((a.fromState || '') + ' → ' + a.toState) + '</td><td>' + text(a.toStep) + '</td><td>' + text(a.reason) + '</td></tr>';
      }).join('') + '</table>' + (op.output ? '<pre>' + text(JSON.stringify(op.output, null, 2)) + '</pre>' : '');
    }).catch(function () {});
  }
  function refresh() {
    Promise.all([api('operations?limit=50'), api('events?limit=30')]).then(function (r) {
      renderOperations(r[0].operations); renderEvents(r[1].events);
      document.getElementById('status').textContent = 'updated ' + new Date().toLocaleTimeString();
      refreshDetail();
    }).catch(function (err) { document.getElementById('status').textContent = String(err.message || err); });
  }
  refresh();
  setInterval(refresh, 2000);
})();
</script>
</body>
</html>`;
}
