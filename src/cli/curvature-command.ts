// `ireg curvature <run-dir>`: the Hessian of a run's training loss at its saved
// weights, measured on a seeded probe batch of its training examples: top
// eigenvalues (Lanczos), trace (Hutchinson), optionally the spectral density
// (stochastic Lanczos quadrature) and every layer's block. Written atomically to
// <run-dir>/curvature/<checkpoint>.json, with a short table on stdout. Given a grid
// folder, it measures every finished run of the grid as a task set (curvature-grid.ts).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { BatchMaker } from '../data/index.js';
import { writeJsonAtomic } from '../io/index.js';
import { measureCurvature, probeIndices, type BnMode, type GroupCurvature } from '../methods/index.js';
import { createModel } from '../models/index.js';
import { writeCurvatureFigure } from '../report/index.js';
import { runFiles } from '../runs/index.js';
import { setNumThreads } from '../tensor/index.js';
import { loadChosenWeights, loadData, STEP_CHOICE } from '../trainer/index.js';
import { isGridFolder, runCurvatureGrid } from './curvature-grid.js';
import { addExecutorOptions, executorChoice, refuseExecutorOptions } from './executor-options.js';
import { checkpointChoice, positiveNumber, wholeNumber } from './parsers.js';

/** The options of `ireg curvature`, as commander hands them over. */
export interface CurvatureFlags {
  checkpoint: string;
  topK: number;
  probeSize: number;
  bnMode: BnMode;
  density?: boolean;
  perLayer?: boolean;
  traceProbes: number;
  tol: number;
  seed: number;
  dataDir?: string;
  threads?: number;
}

/** What a result's numbers depend on, recorded in it (a grid's task takes a result of other settings as not done). */
export interface CurvatureSettings {
  checkpoint: string;
  topK: number;
  probeSize: number;
  bnMode: BnMode;
  density: boolean;
  perLayer: boolean;
  traceProbes: number;
  tol: number;
  seed: number;
}

/** What <run-dir>/curvature/<checkpoint>.json holds. */
export interface CurvatureReport {
  file: string;
  settings: CurvatureSettings;
  step: number;
  checkpoint: string;
  bnMode: BnMode;
  probeSize: number;
  seed: number;
  groups: GroupCurvature[];
}

/** The settings of the flags, as a result records them. */
export function curvatureSettings(o: CurvatureFlags): CurvatureSettings {
  const { topK, probeSize, bnMode, traceProbes, tol, seed } = o;
  const checkpoint = checkpointLabel(o.checkpoint);
  return { checkpoint, topK, probeSize, bnMode, density: !!o.density, perLayer: !!o.perLayer, traceProbes, tol, seed };
}

/** The name of a --checkpoint's result (best, final, step-N): <run-dir>/curvature/<name>.json. */
export function checkpointLabel(which: string): string {
  const step = STEP_CHOICE.exec(which);
  return step ? `step-${Number(step[1])}` : which;
}

/** Registers `ireg curvature` on the program; `runArgv` runs a grid's tasks in this process. */
export function addCurvatureCommand(p: Command, runArgv: (argv: string[]) => Promise<void>): void {
  const c = p
    .command('curvature')
    .description(
      "the loss Hessian at a run's weights on a probe batch of its training examples: top eigenvalues, trace, density; " +
        'given a grid folder, for each finished run of the grid, as jobs of an executor',
    )
    .argument('<run-dir|grid-dir>', 'a run directory, or a grid folder (every finished run)')
    .option('--checkpoint <which>', "best, final, or 'step N' (a periodic checkpoint)", checkpointChoice, 'best')
    .option('--top-k <n>', 'how many of the largest eigenvalues', wholeNumber(1), 5)
    .option('--probe-size <n>', 'training examples in the probe batch (a seeded sample)', wholeNumber(1), 512)
    .addOption(
      new Option('--bn-mode <mode>', "batch norm with the probe batch's statistics (train) or the running ones (eval)")
        .choices(['train', 'eval'])
        .default('train'),
    )
    .option('--density', 'also the spectral density (stochastic Lanczos quadrature)')
    .option('--per-layer', "also each layer's block of the Hessian")
    .option('--trace-probes <n>', 'Hutchinson probes for the trace (0: none)', wholeNumber(0), 50)
    .option(
      '--tol <x>',
      'relative tolerance of the Lanczos eigenvalues (float32 weights: 1e-4 is near their precision)',
      positiveNumber,
      1e-4,
    )
    .option('--seed <n>', 'seed of the probe sample and the random vectors', wholeNumber(0), 0)
    .option('--data-dir <dir>', 'data folder (default: the one the run used)')
    .option('--threads <n>', 'CPU threads (default: all cores)', wholeNumber(1));
  addExecutorOptions(c).action(async (dir: string, o: CurvatureFlags, cmd: Command) => {
    if (isGridFolder(dir)) return runCurvatureGrid(dir, { ...curvatureSettings(o) }, o, executorChoice(cmd), runArgv);
    refuseExecutorOptions(cmd, `${dir} is a run directory, not a grid folder`);
    const report = runCurvature(dir, o);
    await writeCurvatureFigure(dir, report);
    process.stdout.write(curvatureTable(report));
  });
}

/** Measures the curvature of a run's weights and writes <run-dir>/curvature/<checkpoint>.json. */
export function runCurvature(dir: string, o: CurvatureFlags): CurvatureReport {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`curvature: ${dir} is not a run directory`);
  if (o.threads !== undefined) setNumThreads(o.threads);
  const loaded = loadChosenWeights(dir, o.checkpoint);
  const { file, label, info, meta } = loaded;
  const model = createModel(info.model, { inputShape: info.inputShape, numClasses: info.numClasses });
  try {
    try {
      model.loadStateDict(loaded.model, true);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
    }
    const data = loadData({ ...meta.config, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
    const indices = probeIndices(data.train.n, o.probeSize, o.seed);
    const batch = new BatchMaker(data.train, { normalization: meta.normalization }).eval(indices);
    const groups = measureCurvature(model, batch, {
      bnMode: o.bnMode,
      topK: o.topK,
      tol: o.tol,
      traceProbes: o.traceProbes,
      density: o.density,
      perLayer: o.perLayer,
      seed: o.seed,
    });
    batch.x.dispose();
    batch.y.dispose();
    const report: CurvatureReport = {
      file,
      settings: curvatureSettings(o),
      step: meta.step,
      checkpoint: label,
      bnMode: o.bnMode,
      probeSize: indices.length,
      seed: o.seed,
      groups,
    };
    const outDir = join(runFiles(dir).dir, 'curvature');
    mkdirSync(outDir, { recursive: true });
    writeJsonAtomic(join(outDir, `${label}.json`), report);
    return report;
  } finally {
    for (const t of loaded.model.values()) t.dispose();
    model.dispose();
  }
}

/** The report as a short table: one line per group. */
export function curvatureTable(r: CurvatureReport): string {
  const head = `curvature of ${r.file} (step ${r.step}), ${r.probeSize} training examples, batch norm ${r.bnMode}\n`;
  const rows = r.groups.map((g) => [
    g.group,
    String(g.dim),
    g.top.eigenvalues.map((x) => x.toPrecision(4)).join(' '),
    g.trace ? `${g.trace.mean.toPrecision(4)} ± ${g.trace.stdError.toPrecision(2)}` : '-',
    `${g.top.products}${g.top.converged ? '' : ' (not converged)'}`,
  ]);
  const table = [['group', 'params', 'top eigenvalues', 'trace', 'Lanczos products'], ...rows];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  return (
    head +
    table
      .map(
        (row) =>
          row
            .map((cell, c) => cell.padEnd(widths[c]))
            .join('  ')
            .trimEnd() + '\n',
      )
      .join('')
  );
}
