// The figure `ireg curvature` writes beside its JSON (<run>/curvature/<checkpoint>.svg, or beside a
// weights file's result): the top
// eigenvalues of each parameter group's Hessian (the whole network, then each layer), and below
// them, when the density was measured, the whole network's spectral density on a log axis.
import type { TopLevelSpec } from 'vega-lite';
import { writeBytesAtomic } from '../io/index.js';
import type { GroupCurvature } from '../methods/index.js';
import { seriesColor } from './colors.js';
import { HEIGHT, toSvg, WIDTH } from './figure.js';
import { densityGrid, FLOOR_SHARE, smoothDensity } from './spectrum.js';

/** What the figure needs of a curvature report (the CLI's CurvatureReport). */
export interface CurvatureMeasurement {
  /** The training step of the weights; null for a weights file that does not say. */
  step: number | null;
  checkpoint: string;
  groups: GroupCurvature[];
}

/** The figure of a curvature measurement, as a standalone SVG document. */
export async function curvatureSvg(m: CurvatureMeasurement): Promise<string> {
  const eigenvalues = m.groups.flatMap((g) =>
    g.top.eigenvalues.map((value, i) => ({ group: g.group, rank: i + 1, eigenvalue: value })),
  );
  const top = {
    title: 'top Hessian eigenvalues per parameter group',
    width: WIDTH,
    height: HEIGHT,
    data: { values: eigenvalues },
    mark: { type: 'point', filled: true, color: seriesColor(0) },
    encoding: {
      x: {
        field: 'group',
        type: 'nominal',
        title: 'parameter group',
        sort: m.groups.map((g) => g.group),
        axis: { labelAngle: -45, labelLimit: 160 },
      },
      y: { field: 'eigenvalue', type: 'quantitative', title: 'eigenvalue', scale: { zero: false } },
      size: { field: 'rank', type: 'ordinal', title: 'rank', scale: { range: [80, 20] } },
    },
  };
  const whole = m.groups.find((g) => g.group === 'all' && g.density) ?? m.groups.find((g) => g.density);
  const panels: object[] = [top];
  if (whole?.density) {
    const { nodes, weights } = whole.density;
    const { grid, sigma } = densityGrid(nodes);
    const ys = smoothDensity(nodes, weights, grid, sigma);
    const floor = FLOOR_SHARE * Math.max(...ys);
    panels.push({
      title: `spectral density of group ${whole.group} (stochastic Lanczos quadrature, Gaussian σ ${Number(sigma.toPrecision(3))})`,
      width: WIDTH,
      height: HEIGHT,
      data: { values: grid.map((x, i) => ({ eigenvalue: x, density: Math.max(ys[i], floor) })) },
      mark: { type: 'line', strokeWidth: 1.5, color: seriesColor(0) },
      encoding: {
        x: { field: 'eigenvalue', type: 'quantitative', title: 'eigenvalue', scale: { nice: false } },
        y: { field: 'density', type: 'quantitative', title: 'density', scale: { type: 'log' } },
      },
    });
  }
  const at = m.step === null ? `the ${m.checkpoint} weights` : `the ${m.checkpoint} weights (step ${m.step})`;
  const spec = { title: `Hessian at ${at}`, vconcat: panels } as TopLevelSpec;
  return toSvg(spec, { standalone: true });
}

/** Writes the figure of `m` to `path` (an .svg file), atomically; returns the path. */
export async function writeCurvatureFigure(path: string, m: CurvatureMeasurement): Promise<string> {
  writeBytesAtomic(path, Buffer.from(await curvatureSvg(m), 'utf8'));
  return path;
}
