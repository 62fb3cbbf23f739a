// The dashboard's page: a table of the runs and one chart per drawn metric,
// filled and kept current by the client script (client.ts) from the JSON API.
import { esc } from '../html.js';
import { CHART_FIELDS } from './metrics-tail.js';

/** The dashboard's HTML for a folder called `name`. */
export function dashboardPage(name: string): string {
  const charts = CHART_FIELDS.map((f) => `<figure class="chart" id="chart-${f}"><figcaption></figcaption></figure>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>${esc(name)} · ireg dashboard</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
header { display: flex; gap: 1.5em; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 1.4em; margin: 0; }
#live { font-size: 0.9em; color: #666; }
#live.on::before { content: '● '; color: #2a2; }
#live.off::before { content: '● '; color: #c33; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, td.text { text-align: left; }
td.state-failed, td.state-diverged, td.state-damaged, tr.why td { color: #b00; }
tr.why td { white-space: pre-wrap; font-size: 0.9em; }
td.state-running { color: #070; }
#charts { display: flex; flex-wrap: wrap; gap: 1em; }
figure.chart { margin: 0; }
figcaption { font-weight: 600; }
#error { color: #b00; white-space: pre-wrap; }
</style>
</head>
<body>
<header><h1>${esc(name)}</h1><span id="live" class="off">connecting</span><a href="/report">report: Table 1, figures over seeds, provenance</a></header>
<p id="error"></p>
<table id="runs"><thead><tr><th>run</th><th>method</th><th>state</th><th>step</th><th>train loss</th><th>val acc %</th><th>best val acc %</th><th>test acc %</th><th>avg mb ‖g‖²</th><th>files</th></tr></thead><tbody></tbody></table>
<section id="charts">
${charts.join('\n')}
</section>
<script src="/assets/vega.min.js"></script>
<script src="/assets/vega-lite.min.js"></script>
<script src="/assets/dashboard.js"></script>
</body>
</html>
`;
}
