// One figure per variant of the Hessian's spectral density, from the density its runs' curvature
// files hold (`ireg curvature --density`): each run's density widened on one grid, then the mean
// over the variant's runs with a min-max band, on a log axis, in the variant's colour.
import type { TopLevelSpec } from 'vega-lite';
import { colorOf, HEIGHT, toSvg, WIDTH, type Figure } from './figure.js';
import type { GridReport } from './grid-report.js';
import { densityGrid, FLOOR_SHARE, smoothDensity, WIDTH_SHARE } from './spectrum.js';
import { groupByVariant } from './table.js';

/** A spectrum figure for each variant some of whose runs have a density, in variant order. */
export async function spectrumFigures(report: GridReport): Promise<Figure[]> {
  const variants = [...groupByVariant(report.runs)];
  const all = variants.map(([v]) => v);
  const out: Figure[] = [];
  for (const [i, [variant, runs]] of variants.entries()) {
    const measured = runs.filter((r) => r.spectrum !== null);
    if (!measured.length) continue;
    const spectra = measured.map((r) => r.spectrum as NonNullable<typeof r.spectrum>);
    const { grid, sigma } = densityGrid(spectra.flatMap((s) => s.nodes));
    const curves = spectra.map((s) => smoothDensity(s.nodes, s.weights, grid, sigma));
    const floor = FLOOR_SHARE * Math.max(...curves.flat());
    const values = grid.map((x, j) => {
      const ys = curves.map((c) => Math.max(c[j], floor));
      return {
        variant,
        eigenvalue: x,
        mean: ys.reduce((a, b) => a + b, 0) / ys.length,
        min: Math.min(...ys),
        max: Math.max(...ys),
      };
    });
    const color = colorOf([variant], all, 'variant');
    const x = { field: 'eigenvalue', type: 'quantitative', title: 'eigenvalue', scale: { nice: false } } as const;
    const spec: TopLevelSpec = {
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      layer: [
        {
          mark: { type: 'area', opacity: 0.2 },
          encoding: {
            x,
            y: { field: 'min', type: 'quantitative', title: 'density', scale: { type: 'log' } },
            y2: { field: 'max' },
            color,
          },
        },
        {
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: { x, y: { field: 'mean', type: 'quantitative' }, color },
        },
      ],
    };
    const sources = measured.map((r) => `${r.label}: curvature/${r.spectrum?.file} (step ${r.spectrum?.step})`);
    out.push({
      id: `fig-spectrum-${i}`,
      title: `Hessian spectrum: ${variant}`,
      caption:
        `Spectral density of the loss Hessian of variant ${variant} (whole network), by stochastic Lanczos quadrature ` +
        `(ireg curvature --density), from ${sources.join(', ')}. Each node is widened into a Gaussian of standard ` +
        `deviation ${Number(sigma.toPrecision(3))} (${100 * WIDTH_SHARE}% of the nodes' range); ` +
        (measured.length > 1 ? 'line: the mean over these runs, band: their minimum to maximum; ' : '') +
        `log scale, densities below ${FLOOR_SHARE} of the peak drawn at that floor.` +
        (measured.length < runs.length ? ` ${runs.length - measured.length} of its runs have no density.` : ''),
      spec,
      svg: await toSvg(spec),
      series: [variant],
    });
  }
  return out;
}
