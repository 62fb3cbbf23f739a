// The dashboard page's script, served as /assets/dashboard.js. Plain browser
// JavaScript kept in a string (the project compiles for Node only); the browser
// tests run it. It loads the run list and each run's downsampled series, draws
// one Vega-Lite chart per metric (SVG). It fetches on server-sent `update`
// events only: the first (on connecting) names every run, later ones the runs
// that changed. Text from the folder (run labels)
// goes into the page through textContent only.
import { CHART_FIELDS } from './metrics-tail.js';

const TITLES: Record<(typeof CHART_FIELDS)[number], string> = {
  avgMicroBatchGradNorm: 'average micro-batch gradient norm (squared)',
  valAcc: 'validation accuracy',
  trainLoss: 'training loss',
  penalty: 'penalty (mean micro-batch R)',
  stepLength: 'step length',
  gradNorm: 'full-step gradient norm',
};

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
      var last = d ? d.last : null;
      var tr = document.createElement('tr');
      tr.dataset.run = run.label;
      cell(tr, run.label);
      cell(tr, run.method || '-', 'text');
      cell(tr, run.state, 'text state-' + run.state).title = run.error || '';
      cell(tr, (last ? last.step : '-') + (run.totalSteps ? ' / ' + run.totalSteps : ''), 'step');
      cell(tr, num(last && last.trainLoss, 4));
      cell(tr, pct(last && last.valAcc));
      cell(tr, pct(d && d.bestValAcc));
      cell(tr, pct(run.testAcc));
      cell(tr, num(last && last.avgMicroBatchGradNorm, 4));
      var files = cell(tr, '', 'text');
      ['config.json', 'metrics.jsonl', 'summary.json'].forEach(function (f) {
        var a = document.createElement('a');
        a.href = '/files/' + (document.body.dataset.single ? '' : encodeURIComponent(run.label) + '/') + f;
        a.textContent = f.split('.')[0] + ' ';
        files.appendChild(a);
      });
      body.appendChild(tr);
      if (d && d.error) showError(d.error);
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

  function draw() {
    if (!window.vega || !window.vegaLite) return Promise.resolve();
    return Promise.all(FIELDS.map(function (field) {
      var rows = chartRows(field);
      var fig = el('chart-' + field);
      if (!views[field]) {
        if (!rows.length) return null;
        fig.querySelector('figcaption').textContent = TITLES[field];
        var spec = vegaLite.compile({
          width: 460, height: 220,
          data: { name: 'points' },
          mark: { type: 'line', clip: true },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'step' },
            y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
            color: { field: 'run', type: 'nominal', title: 'run' }
          }
        }).spec;
        var holder = document.createElement('div');
        fig.appendChild(holder);
        views[field] = new vega.View(vega.parse(spec), { renderer: 'svg', container: holder });
      }
      return views[field].data('points', rows).runAsync();
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

  function refresh(changed, list) {
    return (list ? loadRuns() : Promise.resolve())
      .then(function () { return loadSeries(changed); })
      .catch(function (e) { showError(String(e && e.message || e)); });
  }

  // Updates arrive one after another; while one is being fetched, the next ones are merged.
  var busy = null;
  var pending = null;
  function queue(changed, list) {
    if (busy) {
      pending = pending || { changed: [], list: false };
      changed.forEach(function (c) { if (pending.changed.indexOf(c) < 0) pending.changed.push(c); });
      pending.list = pending.list || list;
      return;
    }
    busy = refresh(changed, list).then(function () {
      busy = null;
      if (pending) { var p = pending; pending = null; queue(p.changed, p.list); }
    });
  }

  // The server answers a new connection (and a reconnection) with an update naming every run.
  var live = el('live');
  var es = new EventSource('/events');
  es.onopen = function () { live.className = 'on'; live.textContent = 'live'; };
  es.onerror = function () { live.className = 'off'; live.textContent = 'reconnecting'; };
  es.addEventListener('update', function (e) {
    var m = JSON.parse(e.data);
    queue(m.changed, m.list);
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
