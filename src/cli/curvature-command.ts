// `ireg curvature <run-dir>`: the Hessian of a run's training loss at its saved
// weights, measured on a seeded probe batch of its training examples: top
// eigenvalues (Lanczos), trace (Hutchinson), optionally the spectral density
// (stochastic Lanczos quadrature) and every layer's block. Written atomically to
// <run-dir>/curvature/<checkpoint>.json, with a short table on stdout. Given a grid
// folder, it measures every finished run of the grid as a task set (curvature-grid.ts);
// given a weights file, the weights in it (curvature-file.ts).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError } from '../options/index.js';
import { writeJsonAtomic } from '../io/index.js';
import { writeCurvatureFigure } from '../report/index.js';
import { runFiles } from '../runs/index.js';
import { setNumThreads } from '../tensor/index.js';
import { loadChosenWeights, loadData } from '../trainer/index.js';
import { runCurvatureOnFile, type FileFlags } from './curvature-file.js';
import { isGridFolder, runCurvatureGrid } from './curvature-grid.js';
import { curvatureSettings, measureWeights, type CurvatureFlags, type CurvatureReport } from './curvature-measure.js';
import { addExecutorOptions, executorChoice, refuseExecutorOptions } from './executor-options.js';
import { checkpointChoice, positiveNumber, wholeNumber } from './parsers.js';

export type { CurvatureFlags, CurvatureReport, CurvatureSettings } from './curvature-measure.js';

/** Registers `ireg curvature` on the program; `runArgv` runs a grid's tasks in this process. */
export function addCurvatureCommand(p: Command, runArgv: (argv: string[]) => Promise<void>): void {
  const c = p
    .command('curvature')
    .description(
      "the loss Hessian at a run's weights on a probe batch of its training examples: top eigenvalues, trace, density; " +
        'given a grid folder, for each finished run of the grid, as jobs of an executor; or at the weights of a file',
    )
    .argument(
      '<run-dir|grid-dir|weights-file>',
      'a run directory, a grid folder (every finished run), or a .safetensors weights file',
    )
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
    .option('--threads <n>', 'CPU threads (default: all cores)', wholeNumber(1))
    .option('--model <name>', 'a weights file without ireg metadata: the network its state dict is for')
    .option('--dataset <name>', 'a weights file without ireg metadata: the dataset to probe')
    .option('--out <file.json>', 'a weights file: where the result goes (default: beside it, <name>.curvature.json)');
  addExecutorOptions(c).action(async (dir: string, o: CurvatureFlags & FileFlags, cmd: Command) => {
    const fileOnly = (['model', 'dataset', 'out'] as const).find((k) => o[k] !== undefined);
    const isFile = existsSync(dir) && statSync(dir).isFile();
    if (fileOnly && !isFile) throw new ConfigError(fileOnly, `applies to a weights file only, not to ${dir}`);
    if (isGridFolder(dir)) return runCurvatureGrid(dir, { ...curvatureSettings(o) }, o, executorChoice(cmd), runArgv);
    refuseExecutorOptions(cmd, `${dir} is ${isFile ? 'a weights file' : 'a run directory'}, not a grid folder`);
    if (isFile) {
      if (cmd.getOptionValueSource('checkpoint') === 'cli')
        throw new ConfigError('checkpoint', `chooses among a run's weights; ${dir} is a weights file`);
      process.stdout.write(curvatureTable(await runCurvatureOnFile(dir, o)));
      return;
    }
    const report = runCurvature(dir, o);
    await writeCurvatureFigure(join(runFiles(dir).dir, 'curvature', `${report.checkpoint}.svg`), report);
    process.stdout.write(curvatureTable(report));
  });
}

/** Measures the curvature of a run's weights and writes <run-dir>/curvature/<checkpoint>.json. */
export function runCurvature(dir: string, o: CurvatureFlags): CurvatureReport {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`curvature: ${dir} is not a run directory`);
  if (o.threads !== undefined) setNumThreads(o.threads);
  const loaded = loadChosenWeights(dir, o.checkpoint);
  const { file, label, info, meta } = loaded;
  try {
    const data = loadData({ ...meta.config, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
    const report = measureWeights({ file, info, tensors: loaded.model, data, normalization: meta.normalization }, o, {
      step: meta.step,
      checkpoint: label,
    });
    const outDir = join(runFiles(dir).dir, 'curvature');
    mkdirSync(outDir, { recursive: true });
    writeJsonAtomic(join(outDir, `${label}.json`), report);
    return report;
  } finally {
    for (const t of loaded.model.values()) t.dispose();
  }
}

/** The report as a short table: one line per group. */
export function curvatureTable(r: CurvatureReport): string {
  const at = r.step === null ? '' : ` (step ${r.step})`;
  const head = `curvature of ${r.file}${at}, ${r.probeSize} training examples, batch norm ${r.bnMode}\n`;
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
