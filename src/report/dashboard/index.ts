// The live dashboard: a read-only HTTP server over a grid or folder of runs.
export { startDashboard, isLoopback, DEFAULT_PORT, type Dashboard, type DashboardOptions } from './server.js';
export { resolveInside } from './safe-path.js';
export { MetricsTail, CHART_FIELDS, KEEP_POINTS, type ChartField } from './metrics-tail.js';
