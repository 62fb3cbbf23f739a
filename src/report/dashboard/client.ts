// The dashboard page's script, served as /assets/dashboard.js. Plain browser
// JavaScript kept in a string (the project compiles for Node only); the browser
// tests run it. It loads the run list and each run's downsampled series, draws
// one Vega-Lite chart per metric (SVG). It fetches on server-sent `update`
// events only: the first (on connecting) names every run, later ones the runs
// that changed, and each brings the run list (states) again. Each run has its
// colour from the server (the report's assignment). Text from the folder (run
// labels, damage messages) goes into the page through textContent only.
import { CHART_FIELDS } from './metrics-tail.js';

const TITLES: Record<(typeof CHART_FIELDS)[number], string> = {
  avgMicroBatchGradNorm: 'average micro-batch gradient norm (squared)',
  valAcc: 'validation accuracy',
  trainLoss: 'training loss',
  penalty: 'penalty (mean micro-batch R)',
  stepLength: 'step length',
  gradNorm: 'full-step gradient norm',
  hessianTopEigenvalue: 'sharpness: top Hessian eigenvalue (dashed: 2/lr)',
  hessianTrace: 'Hessian trace',
  gradNoiseScale: 'gradient noise scale (images)',
  lr: 'learning rate',
};

/** The chart that draws each run's 2/lr beside its values (gradient descent's stability threshold). */
const STABILITY_FIELD = 'hessianTopEigenvalue';

/** How far above the chart's largest eigenvalue (or smallest 2/lr) a 2/lr line is drawn, as in the report. */
const HEADROOM = 4;

/** Points per series the page asks for (the server downsamples to this). */
export const POINTS = 400;

/** How long the report page waits after a change before it reloads (changes arriving meanwhile join in). */
export const RELOAD_DELAY_MS = 2000;

/** The client script's source. */
export const CLIENT_JS = `'use strict';
(function () {
  var FIELDS = ${JSON.stringify(CHART_FIELDS)};
  var TITLES = ${JSON.stringify(TITLES)};
  var POINTS = ${POINTS};
  var STABILITY_FIELD = ${JSON.stringify(STABILITY_FIELD)};
  var HEADROOM = ${HEADROOM};
  var runs = [];
  var data = {};
  var views = {};
  var updates = 0;

  function el(id) { return document.getElementById(id); }
  function showError(msg) { el('error').textContent = msg || ''; }
  function pct(x) { return x === null || x === undefined ? '-' : (100 * x).toFixed(2); }
  function num(x, d) { return x === null || x === undefined ? '-' : Number(x).toFixed(d); }

  function getJson(url) {
    return fetch(url, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r.json();
    });
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function renderTable() {
    var body = el('runs').tBodies[0];
    body.textContent = '';
    runs.forEach(function (run) {
      var d = data[run.label];
      var latest = d ? d.latest : {};
      var tr = document.createElement('tr');
      tr.dataset.run = run.label;
      cell(tr, run.label).style.borderLeft = '4px solid ' + run.color;
      cell(tr, run.method || '-', 'text');
      cell(tr, run.state, 'text state-' + run.state);
      cell(tr, (d && d.last ? d.last.step : '-') + (run.totalSteps ? ' / ' + run.totalSteps : ''), 'step');
      cell(tr, num(latest.trainLoss, 4));
      cell(tr, pct(latest.valAcc));
      cell(tr, pct(d && d.bestValAcc));
      cell(tr, pct(run.testAcc));
      cell(tr, num(latest.avgMicroBatchGradNorm, 4));
      var files = cell(tr, '', 'text');
      ['config.json', 'metrics.jsonl', 'summary.json'].forEach(function (f) {
        var a = document.createElement('a');
        a.href = '/files/' + (document.body.dataset.single ? '' : encodeURIComponent(run.label) + '/') + f;
        a.textContent = f.split('.')[0] + ' ';
        files.appendChild(a);
      });
      body.appendChild(tr);
      // Why it is damaged (file and line), failed or diverged, under its row.
      if (run.error) {
        var why = document.createElement('tr');
        why.className = 'why state-' + run.state;
        why.dataset.why = run.label;
        cell(why, run.error, 'text').colSpan = tr.cells.length;
        body.appendChild(why);
      }
    });
  }

  function chartRows(field) {
    var rows = [];
    runs.forEach(function (run) {
      var d = data[run.label];
      if (!d) return;
      var s = d.series[field];
      for (var i = 0; i < s[0].length; i++) rows.push({ run: run.label, step: s[0][i], value: s[1][i] });
    });
    return rows;
  }

  // Each drawn run's 2/lr at its logged steps, for the sharpness chart; a decaying lr sends 2/lr
  // far up, so the line is cut at HEADROOM times the chart's largest eigenvalue or smallest 2/lr.
  function limitRows(rows) {
    var out = [];
    runs.forEach(function (run) {
      var d = data[run.label];
      if (!d || !rows.some(function (p) { return p.run === run.label; })) return;
      var s = d.series.lr;
      for (var i = 0; i < s[0].length; i++) if (s[1][i] > 0) out.push({ run: run.label, step: s[0][i], value: 2 / s[1][i] });
    });
    var top = Math.max.apply(null, rows.map(function (p) { return p.value; })
      .concat([Math.min.apply(null, out.map(function (p) { return p.value; }))]));
    return out.filter(function (p) { return p.value <= HEADROOM * top; });
  }

  // A scale's domain: Vega's own, except around a single value, where it would have no width
  // (one point: an axis of identical labels); then a band around it.
  function domainOf(values, integer) {
    var lo = Infinity;
    var hi = -Infinity;
    values.forEach(function (v) { lo = Math.min(lo, v); hi = Math.max(hi, v); });
    if (lo < hi) return undefined;
    if (integer) return [Math.max(0, lo - 1), Math.max(0, lo - 1) + 2];
    var pad = Math.abs(lo) / 10 || 1;
    return [lo - pad, lo + pad];
  }

  // The chart's spec, given its rows: rebuilt (a new view) only when this changes.
  function specOf(rows, limits) {
    var counts = {};
    rows.forEach(function (p) { counts[p.run] = (counts[p.run] || 0) + 1; });
    var drawn = runs.filter(function (r) { return counts[r.label]; });
    var x = { field: 'step', type: 'quantitative', title: 'step', axis: { format: 'd', tickMinStep: 1 } };
    var y = { field: 'value', type: 'quantitative', title: null, scale: { zero: false } };
    var xd = domainOf(rows.map(function (p) { return p.step; }), true);
    var yd = domainOf(rows.concat(limits).map(function (p) { return p.value; }), false);
    if (xd) x.scale = { domain: xd };
    if (yd) y.scale.domain = yd;
    var color = { field: 'run', type: 'nominal', title: 'run', scale: {
      domain: drawn.map(function (r) { return r.label; }),
      range: drawn.map(function (r) { return r.color; })
    } };
    var layers = [{
      data: { name: 'points' },
      // A run of one point has no line to draw: its points are marked.
      mark: { type: 'line', clip: true, point: drawn.some(function (r) { return counts[r.label] === 1; }) },
      encoding: { x: x, y: y, color: color }
    }];
    // Each run's 2/lr, dashed in its colour.
    if (limits.length) layers.push({
      data: { name: 'limits' },
      mark: { type: 'line', clip: true, strokeDash: [6, 4], strokeWidth: 1 },
      encoding: { x: x, y: y, color: color }
    });
    return { width: 460, height: 220, layer: layers };
  }

  function draw() {
    if (!window.vega || !window.vegaLite) return Promise.resolve();
    return Promise.all(FIELDS.map(function (field) {
      var rows = chartRows(field);
      var fig = el('chart-' + field);
      if (!rows.length) return null;
      var limits = field === STABILITY_FIELD ? limitRows(rows) : [];
      var spec = specOf(rows, limits);
      var key = JSON.stringify(spec);
      var v = views[field];
      if (!v || v.key !== key) {
        if (v) { v.view.finalize(); fig.removeChild(v.holder); }
        fig.querySelector('figcaption').textContent = TITLES[field];
        var holder = document.createElement('div');
        fig.appendChild(holder);
        var view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'svg', container: holder });
        v = views[field] = { key: key, view: view, holder: holder };
      }
      v.view.data('points', rows);
      if (limits.length) v.view.data('limits', limits);
      return v.view.runAsync();
    }));
  }

  function loadRuns() {
    return getJson('/api/runs').then(function (j) {
      runs = j.runs;
      if (j.kind === 'run') document.body.dataset.single = '1';
      renderTable();
    });
  }

  // Series in batches, so a folder of many long runs fills in progressively.
  function loadSeries(labels) {
    var batches = [];
    for (var i = 0; i < labels.length; i += 8) batches.push(labels.slice(i, i + 8));
    return batches.reduce(function (p, batch) {
      return p.then(function () {
        return getJson('/api/series?points=' + POINTS + '&runs=' + batch.map(encodeURIComponent).join(','));
      }).then(function (j) {
        Object.keys(j.runs).forEach(function (k) { data[k] = j.runs[k]; });
        renderTable();
      });
    }, Promise.resolve()).then(draw).then(function () {
      updates++;
      document.body.dataset.updates = String(updates);
    });
  }

  // The run list is fetched on every update: it carries the states, methods and accuracies,
  // which change while the list of runs does not (a grid names all its runs from the start).
  function refresh(changed) {
    return loadRuns()
      .then(function () { return loadSeries(changed); })
      .then(function () { showError(''); })
      .catch(function (e) { showError(String(e && e.message || e)); });
  }

  // Updates arrive one after another; while one is being fetched, the next ones are merged.
  var busy = null;
  var pending = null;
  function queue(changed) {
    if (busy) {
      pending = pending || [];
      changed.forEach(function (c) { if (pending.indexOf(c) < 0) pending.push(c); });
      return;
    }
    busy = refresh(changed).then(function () {
      busy = null;
      if (pending) { var p = pending; pending = null; queue(p); }
    });
  }

  // The server answers a new connection (and a reconnection) with an update naming every run.
  var live = el('live');
  var es = new EventSource('/events');
  es.onopen = function () { live.className = 'on'; live.textContent = 'live'; };
  es.onerror = function () { live.className = 'off'; live.textContent = 'reconnecting'; };
  es.addEventListener('update', function (e) {
    var m = JSON.parse(e.data);
    queue(m.changed);
  });
})();
`;

/** The report page's script (/assets/report-live.js): reloads the page a few seconds after runs change. */
export const REPORT_LIVE_JS = `'use strict';
(function () {
  var first = true;
  var timer = null;
  var es = new EventSource('/events');
  es.addEventListener('update', function () {
    if (first) { // the greeting names every run: nothing new yet
      first = false;
      document.documentElement.dataset.live = 'on';
      return;
    }
    if (!timer) timer = setTimeout(function () { es.close(); location.reload(); }, ${RELOAD_DELAY_MS});
  });
})();
`;
