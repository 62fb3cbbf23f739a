// Statistics over seeds on known inputs: mean, sample std, the seeded generator, quantiles, the
// bootstrap interval (against the exact bootstrap distribution, enumerated), and Table 1's rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapInterval, gapClosed, mean, quantileSorted, sampleStd, seededRandom } from '../../src/report/stats.js';
import {
  renderMarkdownVariantTable,
  renderVariantTable,
  reportHtml,
  variantTable,
  type RunReport,
} from '../../src/report/index.js';
import { gridReportOf, runReport } from './fixtures.js';

test('mean and sample standard deviation of known values', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.ok(Number.isNaN(mean([])));
  // Sum of squared deviations from 5 is 32, over n - 1 = 7.
  assert.equal(sampleStd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
  assert.equal(sampleStd([3, 3, 3]), 0);
  assert.ok(Number.isNaN(sampleStd([1])), 'one value has no sample std');
});

test('quantiles interpolate linearly between order statistics', () => {
  const xs = [1, 2, 3, 4, 5];
  assert.equal(quantileSorted(xs, 0), 1);
  assert.equal(quantileSorted(xs, 0.5), 3);
  assert.equal(quantileSorted(xs, 0.25), 2);
  assert.ok(Math.abs(quantileSorted(xs, 0.1) - 1.4) < 1e-12);
  assert.equal(quantileSorted(xs, 1), 5);
  assert.equal(quantileSorted([7], 0.3), 7);
});

test('the seeded generator repeats per seed, differs across seeds and is uniform on [0, 1)', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 20000 }, () => a());
  assert.deepEqual(
    Array.from({ length: 20000 }, () => b()),
    xs,
  );
  const c = seededRandom(43);
  assert.notDeepEqual(
    Array.from({ length: 10 }, () => c()),
    xs.slice(0, 10),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  // Ten equal bins each hold 2000 ± 5 standard deviations (sqrt(2000 * 0.9) ≈ 42).
  const bins = Array<number>(10).fill(0);
  for (const x of xs) bins[Math.floor(x * 10)]++;
  for (const n of bins) assert.ok(Math.abs(n - 2000) < 5 * 42, String(bins));
  assert.ok(Math.abs(mean(xs) - 0.5) < 0.01);
});

/** The exact bootstrap distribution of stat(means) over every resample of every group, as (value, probability). */
function exactBootstrap(groups: number[][], stat: (m: number[]) => number): [number, number][] {
  const resamples = (g: number[]): number[] => {
    let sums = [0];
    for (let i = 0; i < g.length; i++) sums = sums.flatMap((s) => g.map((x) => s + x));
    return sums.map((s) => s / g.length);
  };
  let combos: number[][] = [[]];
  for (const g of groups) combos = combos.flatMap((c) => resamples(g).map((m) => [...c, m]));
  const p = 1 / combos.length;
  return combos.map((c): [number, number] => [stat(c), p]).sort((x, y) => x[0] - y[0]);
}

/** The smallest value whose exact cumulative probability reaches q. */
function exactQuantile(dist: [number, number][], q: number): number {
  let c = 0;
  for (const [v, p] of dist) {
    c += p;
    if (c >= q - 1e-12) return v;
  }
  return dist[dist.length - 1][0];
}

test('the bootstrap interval of the gap share matches the exact bootstrap distribution', () => {
  const sb = [90, 92];
  const lb = [80, 82];
  const method = [85, 87];
  const stat = ([m, s, l]: number[]) => gapClosed(m, s, l);
  assert.equal(stat([mean(method), mean(sb), mean(lb)]), 0.5);
  const ci = bootstrapInterval([method, sb, lb], stat, { draws: 10_000, seed: 7 });
  assert.ok(ci);
  assert.equal(ci.draws, 10_000);
  assert.equal(ci.used, 10_000, 'SB and LB never overlap here, so every draw is finite');
  // With 10,000 draws the 2.5% and 97.5% points fall between the exact 1.5% and 3.5% quantiles (and 96.5%, 98.5%).
  const dist = exactBootstrap([method, sb, lb], stat);
  assert.ok(exactQuantile(dist, 0.015) <= ci.lo && ci.lo <= exactQuantile(dist, 0.035), `${ci.lo}`);
  assert.ok(exactQuantile(dist, 0.965) <= ci.hi && ci.hi <= exactQuantile(dist, 0.985), `${ci.hi}`);
  assert.ok(ci.lo < 0.5 && 0.5 < ci.hi);
  // The same seed gives the same interval; the interval of a constant group is that constant.
  assert.deepEqual(bootstrapInterval([method, sb, lb], stat, { draws: 10_000, seed: 7 }), ci);
  const fixed = bootstrapInterval([[3, 3, 3]], ([m]) => m, { draws: 100 });
  assert.deepEqual([fixed?.lo, fixed?.hi], [3, 3]);
});

test('the bootstrap mean of two values spans both: a quarter of the draws sits at each end', () => {
  const ci = bootstrapInterval([[0, 1]], ([m]) => m, { draws: 4000, seed: 3 });
  assert.deepEqual([ci?.lo, ci?.hi], [0, 1]);
  const narrow = bootstrapInterval([[0, 1]], ([m]) => m, { draws: 4000, seed: 3, level: 0.4 });
  assert.deepEqual([narrow?.lo, narrow?.hi], [0.5, 0.5], 'the middle half of the draws is the mean 0.5');
});

test('draws that divide by zero are left out and counted; an empty group gives no interval', () => {
  // SB resamples to 80 (like LB) in a quarter of the draws: those shares are undefined.
  const ci = bootstrapInterval(
    [
      [85, 85],
      [80, 81],
      [80, 80],
    ],
    ([m, s, l]) => gapClosed(m, s, l),
    {
      draws: 8000,
      seed: 5,
    },
  );
  assert.ok(ci);
  assert.ok(Math.abs(ci.used / 8000 - 0.75) < 0.03, `${ci.used}`);
  assert.ok(ci.lo >= 5 && ci.hi <= 10, `shares are 5/1 and 5/0.5 only: ${ci.lo} ${ci.hi}`);
  assert.equal(
    bootstrapInterval(
      [
        [80, 80],
        [80, 80],
      ],
      ([s, l]) => gapClosed(85, s, l),
    ),
    null,
  );
  assert.equal(
    bootstrapInterval([[], [1]], ([a]) => a),
    null,
  );
});

let runs = 0;
/** A finished run of `variant` with test accuracy `acc` (%); a failed one for null. */
function run(variant: string, method: string, acc: number | null, extra: Partial<RunReport> = {}): RunReport {
  return runReport({
    label: `${variant}-${runs++}`,
    variant,
    method,
    state: acc === null ? 'failed' : 'done',
    steps: 10,
    lastStep: 10,
    totalSteps: 10,
    bestValAcc: acc,
    testAcc: acc,
    wallTime: 1,
    ...extra,
  });
}

const report = (rows: RunReport[]) => gridReportOf(rows);

test('Table 1: mean ± std over the done seeds (not failed or diverged ones), n of all, the gap share against SB and LB', () => {
  const rows = variantTable(
    report([
      run('sb', 'sb', 90, { paperTestAcc: 92.64 }),
      run('sb', 'sb', 92, { paperTestAcc: 92.64 }),
      run('lb', 'lb', 80),
      run('lb', 'lb', 82),
      run('gn', 'gn', 85),
      run('gn', 'gn', 87),
      run('gn', 'gn', null),
      run('gn', 'gn', 50, { state: 'diverged' }),
      run('ft', 'ft', 86),
    ]),
  );
  assert.deepEqual(
    rows.map((r) => [r.variant, r.accs, r.runs.length, r.meanTestAcc, r.reference]),
    [
      ['sb', [90, 92], 2, 91, 'sb'],
      ['lb', [80, 82], 2, 81, 'lb'],
      ['gn', [85, 87], 4, 86, null],
      ['ft', [86], 1, 86, null],
    ],
  );
  assert.equal(rows[0].stdTestAcc, Math.SQRT2);
  assert.equal(rows[0].paperTestAcc, 92.64);
  assert.equal(rows[3].stdTestAcc, null, 'one finished run has no std');
  assert.equal(rows[0].gap, null);
  assert.match(rows[0].gapNote ?? '', /the SB reference: 1 by definition/);
  const gn = rows[2].gap;
  assert.ok(gn?.interval);
  assert.equal(gn.value, 0.5);
  assert.deepEqual([gn.sb, gn.lb], ['sb', 'lb']);
  assert.deepEqual(
    gn.interval,
    bootstrapInterval(
      [
        [85, 87],
        [90, 92],
        [80, 82],
      ],
      ([m, s, l]) => gapClosed(m, s, l),
      { draws: 10_000, seed: 1 },
    ),
  );
  assert.equal(rows[3].gap?.value, 0.5);
  assert.equal(rows[3].gap?.interval, null, 'one seed: a value, no interval');
  assert.match(rows[3].gapNote ?? '', /two or more done seeds/);
});

test('Table 1 names why a gap share is missing: no SB, or several LBs none of which shares the micro-batch size', () => {
  const noSb = variantTable(report([run('lb', 'lb', 80), run('gn', 'gn', 85)]));
  assert.equal(noSb[1].gap, null);
  assert.equal(noSb[1].gapNote, 'no SB variant with done runs');
  const sweep = variantTable(
    report([
      run('sb', 'sb', 90),
      run('sb', 'sb', 91),
      run('lb-16', 'lb', 80, { microBatchSize: 16 }),
      run('lb-16', 'lb', 81, { microBatchSize: 16 }),
      run('lb-32', 'lb', 82, { microBatchSize: 32 }),
      run('gn-16', 'gn', 85, { microBatchSize: 16 }),
      run('gn-16', 'gn', 86, { microBatchSize: 16 }),
      run('gn-8', 'gn', 85, { microBatchSize: 8 }),
    ]),
  );
  assert.equal(sweep[3].gap?.lb, 'lb-16', 'the LB of the same micro-batch size');
  assert.equal(sweep[3].gap?.value, 0.5);
  assert.equal(sweep[4].gapNote, '2 LB variants: ambiguous reference');
  const tie = variantTable(report([run('sb', 'sb', 80), run('lb', 'lb', 80), run('gn', 'gn', 85)]));
  assert.equal(tie[2].gapNote, "not shown: SB's mean (80.00) is equal to LB's (80.00)");
});

test('the gap share is shown only where SB beats LB with an interval of SB − LB above zero; else each report says why', async () => {
  const gn = [run('gn', 'gn', 83), run('gn', 'gn', 84)];
  const cases: [string, RunReport[], RegExp][] = [
    // SB below LB: (83.5 − 85.5) / (80.5 − 85.5) = 0.40 would read as "GN closes 40% of the gap".
    [
      'below',
      [run('sb', 'sb', 80), run('sb', 'sb', 81), run('lb', 'lb', 85), run('lb', 'lb', 86)],
      /SB's mean \(80\.50\) is below LB's \(85\.50\)/,
    ],
    // SB above LB on the means, but its seeds straddle LB's: the divisor may be of either sign. The
    // extremes, 80 − 85 and 90 − 84, each come up in 1/16 of the draws, more than the 2.5% tails.
    [
      'straddle',
      [run('sb', 'sb', 80), run('sb', 'sb', 90), run('lb', 'lb', 84), run('lb', 'lb', 85)],
      /SB − LB is 0\.50, its 95% interval \[-5\.00, 6\.00\] includes zero/,
    ],
    // One seed each: nothing tells SB from LB.
    ['one seed', [run('sb', 'sb', 90), run('lb', 'lb', 80)], /needs two or more done seeds of each/],
  ];
  for (const [what, refs, why] of cases) {
    const r = report([...refs, ...gn]);
    const row = variantTable(r).find((x) => x.variant === 'gn')!;
    assert.equal(row.gap, null, what);
    assert.match(row.gapNote ?? '', /^not shown: /, what);
    assert.match(row.gapNote ?? '', why, what);
    const rows = variantTable(r);
    const html = await reportHtml(r);
    for (const text of [renderVariantTable(rows), renderMarkdownVariantTable(rows), html]) {
      const line = text.split('\n').find((l) => /^(│ gn |\| gn |<tr><td>gn<\/td>)/.test(l))!;
      assert.ok(line, `${what}: the gn row`);
      const gap = line.slice(line.search(/– \(not shown|– <span class="note">not shown/));
      assert.match(gap, /^– /, `${what}: no number in the gap cell: ${line}`);
      assert.match(
        gap.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))),
        why,
        what,
      );
    }
  }
  // SB beats LB with both seeds apart: the share is shown, 0.30 here.
  const shown = variantTable(
    report([run('sb', 'sb', 90), run('sb', 'sb', 91), run('lb', 'lb', 80), run('lb', 'lb', 81), ...gn]),
  );
  assert.equal(shown[2].gapNote, null);
  assert.ok(Math.abs((shown[2].gap?.value ?? NaN) - 0.3) < 1e-12);
});
