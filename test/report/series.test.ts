// Figure data: per variant and step, the mean and min-max band over seeds, thinned for drawing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportFigures, variantSeries, type MetricPoint } from '../../src/report/index.js';
import { thin } from '../../src/report/series.js';
import { gridReportOf, runReport } from './fixtures.js';

const point = (step: number, probe: number | null): MetricPoint => ({
  step,
  valAcc: null,
  penalty: null,
  stepLength: null,
  avgMicroBatchGradNorm: probe,
  hessianTopEigenvalue: null,
  hessianTrace: null,
  gradNoiseScale: null,
  gradSnr: null,
  lr: null,
});

const run = (label: string, variant: string, metrics: MetricPoint[]) => runReport({ label, variant, metrics });

test('each step of a variant has the mean, min, max and count of the seeds that logged it', () => {
  const runs = [
    run('a-s1', 'a', [point(0, 1), point(10, 4), point(20, null)]),
    run('a-s2', 'a', [point(0, 3), point(10, 2)]),
    run('a-s3', 'a', [point(0, 5)]),
    run('b-s1', 'b', [point(0, 7), point(10, 8)]),
  ];
  assert.deepEqual(variantSeries(runs, 'avgMicroBatchGradNorm'), [
    { variant: 'a', step: 0, mean: 3, min: 1, max: 5, n: 3 },
    { variant: 'a', step: 10, mean: 3, min: 2, max: 4, n: 2 },
    { variant: 'b', step: 0, mean: 7, min: 7, max: 7, n: 1 },
    { variant: 'b', step: 10, mean: 8, min: 8, max: 8, n: 1 },
  ]);
  assert.deepEqual(variantSeries(runs, 'penalty'), [], 'nothing logged, nothing drawn');
});

test('thinning keeps the first and last steps and at most the given number, evenly spaced', () => {
  const xs = Array.from({ length: 101 }, (_, i) => i);
  assert.deepEqual(thin(xs, 5), [0, 25, 50, 75, 100]);
  assert.equal(thin(xs, 200), xs);
  assert.deepEqual(thin(xs, 1), [100]);
  const long = run(
    'a',
    'a',
    xs.map((s) => point(s, s)),
  );
  const series = variantSeries([long], 'avgMicroBatchGradNorm', 11);
  assert.deepEqual(
    series.map((p) => p.step),
    [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
  );
});

test('a figure says when it draws fewer steps than were logged', async () => {
  const xs = Array.from({ length: 50 }, (_, i) => i);
  const report = gridReportOf(
    [
      run(
        'a',
        'a',
        xs.map((s) => point(s, s)),
      ),
    ],
    'runs',
  );
  const [all] = await reportFigures(report);
  const [few] = await reportFigures(report, { maxPoints: 10 });
  assert.deepEqual([all.id, few.id], ['fig-probe', 'fig-probe']);
  assert.doesNotMatch(all.caption, /evenly spaced/);
  assert.match(few.caption, /Drawn at 10 evenly spaced logged steps per variant\./);
  assert.deepEqual(few.series, ['a']);
  assert.ok(few.svg.startsWith('<svg') && !few.svg.includes('xmlns'));
});
