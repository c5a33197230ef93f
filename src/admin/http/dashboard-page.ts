// The dashboard: one self-contained page (inline CSS, JS and SVG; nothing fetched from elsewhere)
// fed by the /ws WebSocket. It redraws from each snapshot: the throughput charts, the topic and
// partition table, and consumer-group lag. Data goes into the DOM as text, never as markup.
// The script below avoids backticks and dollar-brace so this file can hold it in a template.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Samsa dashboard</title>
<style>
  :root { --bg:#0f1419; --panel:#171d24; --line:#26303b; --text:#d8dee6; --dim:#8a96a3;
          --in:#4fb3ff; --out:#f5a524; --msg:#5fd38d; --bad:#ff6b6b; }
  * { box-sizing: border-box; }
  body { margin:0; background:var(--bg); color:var(--text);
         font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
  header { display:flex; align-items:center; gap:16px; padding:12px 20px;
           border-bottom:1px solid var(--line); flex-wrap:wrap; }
  header h1 { font-size:18px; margin:0; letter-spacing:.5px; }
  .dim { color:var(--dim); }
  #status { padding:2px 8px; border-radius:10px; font-size:12px; background:#3a2a2a; color:var(--bad); }
  #status.live { background:#1f3a2a; color:var(--msg); }
  main { padding:16px 20px; display:grid; gap:16px; grid-template-columns: 1fr 1fr; }
  section { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size:13px; text-transform:uppercase; letter-spacing:1px; color:var(--dim); margin:0 0 8px; }
  .tiles { display:flex; gap:24px; margin-bottom:6px; }
  .tile b { display:block; font-size:20px; font-variant-numeric: tabular-nums; }
  .tile span { font-size:12px; color:var(--dim); }
  svg { width:100%; height:170px; display:block; }
  svg .grid { stroke:var(--line); stroke-width:1; }
  svg .axis { fill:var(--dim); font-size:10px; }
  svg path { fill:none; stroke-width:2; vector-effect: non-scaling-stroke; }
  #chart-bytes-in { stroke:var(--in); } #chart-bytes-out { stroke:var(--out); }
  #chart-messages { stroke:var(--msg); }
  .key i { display:inline-block; width:10px; height:3px; vertical-align:middle; margin:0 4px 0 10px; }
  table { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align:right; padding:4px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th:first-child, td:first-child { text-align:left; }
  th { color:var(--dim); font-weight:500; font-size:12px; }
  tr.topic td { font-weight:600; background:#1b232c; cursor:pointer; user-select:none; }
  td.offline { color:var(--bad); }
  .empty { color:var(--dim); padding:8px 0; }
</style>
</head>
<body>
<header>
  <h1>Samsa</h1>
  <span id="status">connecting</span>
  <span class="dim">node <b id="node-id">-</b></span>
  <span class="dim">cluster <b id="cluster-id">-</b></span>
  <span class="dim">advertised <b id="advertised">-</b></span>
  <span class="dim">uptime <b id="uptime">-</b></span>
  <span class="dim">connections <b id="connections">-</b></span>
  <span class="dim">event-loop p99 <b id="event-loop">-</b></span>
</header>
<main>
  <section>
    <h2>Bytes per second</h2>
    <div class="tiles">
      <div class="tile"><b id="rate-bytes-in">0 B</b><span>in (produce)</span></div>
      <div class="tile"><b id="rate-bytes-out">0 B</b><span>out (fetch)</span></div>
    </div>
    <svg id="chart-bytes" viewBox="0 0 600 170" preserveAspectRatio="none" role="img"
         aria-label="bytes in and out per second">
      <line class="grid" x1="0" y1="10" x2="600" y2="10"/>
      <line class="grid" x1="0" y1="85" x2="600" y2="85"/>
      <line class="grid" x1="0" y1="160" x2="600" y2="160"/>
      <text class="axis" x="4" y="22" id="chart-bytes-max">0 B/s</text>
      <path id="chart-bytes-in" d="M0,160 L600,160"/>
      <path id="chart-bytes-out" d="M0,160 L600,160"/>
    </svg>
    <div class="key dim"><i style="background:var(--in)"></i>in<i style="background:var(--out)"></i>out
      <span> · last 2 minutes</span></div>
  </section>
  <section>
    <h2>Messages per second</h2>
    <div class="tiles">
      <div class="tile"><b id="rate-messages">0</b><span>records in</span></div>
      <div class="tile"><b id="total-messages">0</b><span>records in since start</span></div>
    </div>
    <svg id="chart-msgs" viewBox="0 0 600 170" preserveAspectRatio="none" role="img"
         aria-label="messages per second">
      <line class="grid" x1="0" y1="10" x2="600" y2="10"/>
      <line class="grid" x1="0" y1="85" x2="600" y2="85"/>
      <line class="grid" x1="0" y1="160" x2="600" y2="160"/>
      <text class="axis" x="4" y="22" id="chart-messages-max">0 /s</text>
      <path id="chart-messages" d="M0,160 L600,160"/>
    </svg>
    <div class="key dim"><i style="background:var(--msg)"></i>records<span> · last 2 minutes</span></div>
  </section>
  <section class="wide">
    <h2>Topics and partitions</h2>
    <table>
      <thead><tr><th>topic / partition</th><th>leader</th><th>ISR</th><th>size</th>
        <th>log start</th><th>log end offset</th><th>high watermark</th><th>bytes in</th><th>bytes out</th></tr></thead>
      <tbody id="topics"></tbody>
    </table>
    <div id="topics-empty" class="empty">No topics yet.</div>
  </section>
  <section class="wide">
    <h2>Consumer groups</h2>
    <table id="groups-table">
      <thead><tr><th>group</th><th>topic</th><th>partition</th><th>committed</th>
        <th>high watermark</th><th>lag</th></tr></thead>
      <tbody id="groups"></tbody>
    </table>
    <div id="groups-empty" class="empty">No committed offsets.</div>
  </section>
</main>
<script>
(function () {
  'use strict';
  var W = 600, TOP = 10, BOTTOM = 160, WINDOW = 120;
  function $(id) { return document.getElementById(id); }
  function bytes(n) {
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(Math.round(n)) : n.toFixed(n < 10 ? 2 : 1)) + ' ' + u[i];
  }
  function count(n) {
    if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
    if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
    return String(Math.round(n));
  }
  function duration(s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h > 0 ? h + 'h ' + m + 'm' : m > 0 ? m + 'm ' + (s % 60) + 's' : s + 's';
  }
  // Points are placed by time so the line scrolls left as samples arrive.
  function linePath(points, key, max, now) {
    if (points.length === 0) return 'M0,' + BOTTOM + ' L' + W + ',' + BOTTOM;
    var d = '';
    for (var i = 0; i < points.length; i++) {
      var p = points[i];
      var x = W - ((now - p.t) / 1000) * (W / WINDOW);
      var y = BOTTOM - (max > 0 ? (p[key] / max) * (BOTTOM - TOP) : 0);
      d += (i === 0 ? 'M' : ' L') + x.toFixed(1) + ',' + y.toFixed(1);
    }
    return d;
  }
  function niceMax(v) {
    if (v <= 0) return 1;
    var e = Math.pow(10, Math.floor(Math.log10(v))), f = v / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
  }
  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }
  function renderCharts(s) {
    var pts = s.throughput, last = pts.length > 0 ? pts[pts.length - 1] : null;
    var bmax = 0, mmax = 0;
    for (var i = 0; i < pts.length; i++) {
      bmax = Math.max(bmax, pts[i].bytesInPerSec, pts[i].bytesOutPerSec);
      mmax = Math.max(mmax, pts[i].messagesInPerSec);
    }
    bmax = niceMax(bmax); mmax = niceMax(mmax);
    $('chart-bytes-in').setAttribute('d', linePath(pts, 'bytesInPerSec', bmax, s.time));
    $('chart-bytes-out').setAttribute('d', linePath(pts, 'bytesOutPerSec', bmax, s.time));
    $('chart-messages').setAttribute('d', linePath(pts, 'messagesInPerSec', mmax, s.time));
    $('chart-bytes-max').textContent = bytes(bmax) + '/s';
    $('chart-messages-max').textContent = count(mmax) + ' /s';
    $('rate-bytes-in').textContent = bytes(last ? last.bytesInPerSec : 0) + '/s';
    $('rate-bytes-out').textContent = bytes(last ? last.bytesOutPerSec : 0) + '/s';
    $('rate-messages').textContent = count(last ? last.messagesInPerSec : 0) + '/s';
  }
  // Internal topics (__consumer_offsets has 50 partitions) start folded; a click toggles a topic.
  var folded = {}, lastSnapshot = null;
  function isFolded(name) {
    return Object.prototype.hasOwnProperty.call(folded, name) ? folded[name] : name.indexOf('__') === 0;
  }
  function renderTopics(s) {
    var body = $('topics'), rows = document.createDocumentFragment(), total = 0;
    s.topics.forEach(function (t) {
      total += t.messagesIn;
      var tr = document.createElement('tr'), fold = isFolded(t.name);
      tr.className = 'topic';
      tr.setAttribute('data-topic', t.name);
      tr.title = fold ? 'show partitions' : 'hide partitions';
      tr.onclick = function () {
        folded[t.name] = !fold;
        if (lastSnapshot) renderTopics(lastSnapshot);
      };
      cell(tr, (fold ? '\u25b8 ' : '\u25be ') + t.name + ' (' + t.partitions.length + ')');
      cell(tr, ''); cell(tr, '');
      cell(tr, bytes(t.sizeBytes), 'c-size');
      cell(tr, ''); cell(tr, ''); cell(tr, '');
      cell(tr, bytes(t.bytesIn)); cell(tr, bytes(t.bytesOut));
      rows.appendChild(tr);
      if (fold) return;
      t.partitions.forEach(function (p) {
        var r = document.createElement('tr');
        r.setAttribute('data-topic', t.name);
        r.setAttribute('data-partition', String(p.partition));
        cell(r, '\\u00a0\\u00a0' + t.name + '-' + p.partition);
        cell(r, String(p.leader));
        cell(r, p.offline ? 'offline' : '[' + p.isr.join(',') + ']', p.offline ? 'offline c-isr' : 'c-isr');
        cell(r, bytes(p.sizeBytes), 'c-size');
        cell(r, String(p.logStartOffset), 'c-lso');
        cell(r, String(p.logEndOffset), 'c-leo');
        cell(r, String(p.highWatermark), 'c-hw');
        cell(r, ''); cell(r, '');
        rows.appendChild(r);
      });
    });
    body.replaceChildren(rows);
    $('topics-empty').style.display = s.topics.length === 0 ? '' : 'none';
    $('total-messages').textContent = count(total);
  }
  function renderGroups(s) {
    var body = $('groups'), rows = document.createDocumentFragment();
    var list = s.groups || [];
    list.forEach(function (g) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-group', g.group);
      cell(tr, g.group); cell(tr, g.topic); cell(tr, String(g.partition));
      cell(tr, String(g.offset)); cell(tr, String(g.highWatermark)); cell(tr, String(g.lag), 'c-lag');
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
    $('groups-empty').textContent = s.groups === null
      ? 'This broker has no group coordinator: no lag to show.' : 'No committed offsets.';
    $('groups-empty').style.display = list.length === 0 ? '' : 'none';
  }
  function render(s) {
    $('node-id').textContent = String(s.broker.nodeId);
    $('cluster-id').textContent = s.broker.clusterId;
    $('advertised').textContent = s.broker.advertised;
    $('uptime').textContent = duration(s.broker.uptimeSeconds);
    $('connections').textContent = String(s.broker.connections);
    $('event-loop').textContent = s.broker.eventLoopDelayP99Ms.toFixed(1) + ' ms';
    lastSnapshot = s;
    renderCharts(s); renderTopics(s); renderGroups(s);
    document.body.setAttribute('data-updated', String(s.time));
  }
  var retry = 500;
  function connect() {
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws.onopen = function () { retry = 500; $('status').textContent = 'live'; $('status').className = 'live'; };
    ws.onmessage = function (e) {
      try { render(JSON.parse(e.data)); } catch (err) { console.error('bad snapshot', err); }
    };
    ws.onclose = function () {
      $('status').textContent = 'disconnected'; $('status').className = '';
      setTimeout(connect, retry); retry = Math.min(retry * 2, 10000);
    };
  }
  connect();
})();
</script>
</body>
</html>
`
