// What a report shows of each run: its accuracies beside the paper's, its metrics over
// training (the paper's diagnostic first: the average micro-batch gradient norm), and where
// it came from (software, machine, seed, protocol). Reads a grid folder, or any folder of runs.
import { datasetLabel } from '../data/index.js';
import { DEFAULTS, methodLabel, validateConfig, type TrainConfig } from '../options/index.js';
import {
  readRun,
  runDirState,
  type MetricsRecord,
  type RunConfigFile,
  type RunState,
  type Summary,
} from '../runs/index.js';
import { readFailures, runConfig, type GridRun, type GridSpec } from '../experiments/grid.js';
import { densityFile, readCurvatureFiles, type CurvatureFile } from './curvature-files.js';
import { EvenlyKept } from './evenly-kept.js';
import { readLandscapes, type ReportLandscape } from './landscape-files.js';
import { curvaturePoint, type CurvaturePoint } from './quantities.js';
import { reportSource } from './source.js';

/** A logged step of a run: the quantities the report's figures plot. */
export interface MetricPoint extends CurvaturePoint {
  step: number;
  valAcc: number | null; // %
  penalty: number | null;
  stepLength: number | null;
  avgMicroBatchGradNorm: number | null;
}

/** A run's last measured sharpness (top Hessian eigenvalue) and trace, and where they come from. */
export interface FinalCurvature {
  top: number | null;
  trace: number | null;
  step: number;
  /** 'metrics' (its last logged measurement), else the curvature file it was read from ('final.json', 'best.json'). */
  source: string;
}

/** A run's spectral density of the Hessian, from one of its curvature files. */
export interface RunSpectrum {
  /** The file's name in curvature/ and its checkpoint's step. */
  file: string;
  step: number;
  nodes: number[];
  weights: number[];
}

/** Where a run came from, from its config.json (null before the run has started). */
export interface RunProvenance {
  version: string;
  commit: string | null;
  dirty: boolean | null;
  torch: string;
  threads: number;
  device: string;
  machine: string;
  createdAt: string;
  /** The plugin files it was made with: 'name (file, sha256 <first 12 hex digits>)'; empty for none. */
  plugins: string[];
}

export interface RunReport {
  label: string;
  /** The runs of one variant differ only by seed (the grid's variant; else the label less a -s<seed> suffix). */
  variant: string;
  method: string;
  /** Its state (runs/run-state.ts); failed, diverged and damaged ones say why in `error`. */
  state: RunState;
  error: string | null;
  seed: number | null;
  batchSize: number | null;
  microBatchSize: number | null;
  /** 'ireg' or 'authors' (configs older than the option: 'ireg'). */
  protocol: string;
  /** Where the checkpoint was selected: the held-out training images ('train'), or the official test split ('test', authors' CIFAR-10). */
  valFrom: 'train' | 'test';
  /** Its training options: config.json's, else (not started) the grid's as the trainer will resolve them; null when unknown (a damaged config.json outside a grid). */
  options: Partial<TrainConfig> | null;
  steps: number | null;
  /** Steps logged so far (the last metrics record), for unfinished runs too. */
  lastStep: number | null;
  totalSteps: number | null;
  bestValAcc: number | null; // %
  testAcc: number | null; // % of the best-validation checkpoint
  paperTestAcc: number | null; // %
  /** Seconds of training (the summary's, else the last record's), null before the first record. */
  wallTime: number | null;
  /** Mean of the probe over the logged steps (the mechanism in one number). */
  meanAvgMicroBatchGradNorm: number | null;
  /** (step, average micro-batch squared gradient norm) at every logged step. */
  probe: [number, number][];
  metrics: MetricPoint[];
  /** The last logged curvature measurement, else the one in curvature/final.json or best.json. */
  finalCurvature: FinalCurvature | null;
  /** The density of curvature/best.json, else of final.json, else of the latest step-N.json holding one. */
  spectrum: RunSpectrum | null;
  /** The files of curvature/ that could not be read, with why. */
  curvatureErrors: string[];
  provenance: RunProvenance | null;
}

export interface GridReport {
  spec: GridSpec;
  dir: string;
  /** 'grid': a folder with grid.json; 'runs': a folder of run directories (or one run directory). */
  kind: 'grid' | 'runs';
  /** The datasets the runs train on, named for people ('CIFAR-10 (JPEG)' for a JPEG copy). */
  datasets: string[];
  runs: RunReport[];
  /** The landscapes (`ireg landscape`) in the runs' landscape/ folders. */
  landscapes: ReportLandscape[];
  /** The landscape.json files that could not be read, with why. */
  landscapeErrors: string[];
}

/** Logged steps a report keeps of a run (evenly spaced; the means over all of them are exact). */
const MAX_POINTS_PER_RUN = 5000;

/** The report of the grid (or folder of runs) in `dir`, from its grid.json, configs, summaries, metrics and failures. */
export function gridReport(dir: string): GridReport {
  const source = reportSource(dir);
  const { spec } = source;
  const failures = source.kind === 'grid' ? readFailures(dir) : {};
  const runs = spec.runs.map((run, i): RunReport => {
    // Bounded memory for a metrics file of any length: evenly kept points, and running sums.
    const kept = new EvenlyKept<MetricPoint>(MAX_POINTS_PER_RUN);
    const probeMean = { sum: 0, n: 0 };
    const seen: { last?: MetricsRecord; curvature?: FinalCurvature } = {};
    const read = readRun(source.runDirs[i], {
      onMetric: (m) => {
        seen.last = m;
        const c = curvaturePoint(m);
        kept.push({
          step: m.step,
          valAcc: pct(m.valAcc),
          penalty: m.penalty,
          stepLength: m.stepLength,
          avgMicroBatchGradNorm: m.avgMicroBatchGradNorm,
          ...c,
        });
        if (c.hessianTopEigenvalue !== null || c.hessianTrace !== null)
          seen.curvature = { top: c.hessianTopEigenvalue, trace: c.hessianTrace, step: m.step, source: 'metrics' };
        if (m.avgMicroBatchGradNorm !== null) {
          probeMean.sum += m.avgMicroBatchGradNorm;
          probeMean.n++;
        }
      },
    });
    const { config: recorded, summary, damage } = read;
    const config: Partial<TrainConfig> = recorded?.config ?? { ...spec.base, ...run.config };
    const metrics = kept.items();
    const probe = metrics
      .filter((m) => m.avgMicroBatchGradNorm !== null)
      .map((m): [number, number] => [m.step, m.avgMicroBatchGradNorm as number]);
    const seed = typeof config.seed === 'number' ? config.seed : null;
    const curvature = readCurvatureFiles(source.runDirs[i]);
    return {
      label: run.label,
      variant: run.variant ?? variantOf(run.label, seed),
      method: methodLabel({ ...config, method: config.method ?? DEFAULTS.method }),
      state: runDirState(read.dir, summary, failures[run.label] !== undefined, damage).state,
      error: damage ? damage.message : summary ? (summary.error ?? null) : (failures[run.label]?.error ?? null),
      seed,
      batchSize: config.batchSize ?? null,
      microBatchSize: config.microBatchSize ?? null,
      protocol: protocolOf(config),
      valFrom: recorded?.derived.valFrom ?? 'train',
      options: recorded
        ? withDefaults(recorded.config)
        : source.kind === 'grid'
          ? gridRunOptions(spec, run, dir)
          : null,
      steps: summary ? summary.steps : null,
      lastStep: seen.last?.step ?? null,
      totalSteps: summary?.totalSteps ?? recorded?.derived.totalSteps ?? null,
      bestValAcc: pct(summary?.best?.valAcc),
      testAcc: pct(summary?.test?.acc),
      paperTestAcc: run.paperTestAcc ?? null,
      wallTime: summary?.wallTime ?? seen.last?.wallTime ?? null,
      meanAvgMicroBatchGradNorm: probeMean.n ? probeMean.sum / probeMean.n : null,
      probe,
      metrics,
      finalCurvature: seen.curvature ?? measuredCurvature(curvature.files),
      spectrum: spectrumOf(curvature.files),
      curvatureErrors: curvature.errors,
      provenance: recorded ? provenanceOf(recorded) : null,
    };
  });
  const names = runs.map((r, i) => String({ ...spec.base, ...spec.runs[i].config }.dataset ?? DEFAULTS.dataset));
  const { landscapes, errors } = readLandscapes(dir, source.runDirs);
  const datasets = [...new Set(names.map(datasetLabel))];
  return { spec, dir, kind: source.kind, datasets, runs, landscapes, landscapeErrors: errors };
}

/** What keeps the grid from being complete (failed and unfinished runs, named), or null when every run ended (damaged runs are named apart). */
export function incompleteRuns(report: GridReport): string | null {
  const failed = report.runs.filter((r) => r.state === 'failed').map((r) => r.label);
  const running = report.runs.filter((r) => r.state === 'running').map((r) => r.label);
  const open = report.runs.filter((r) => r.state === 'pending').map((r) => r.label);
  const parts = [];
  if (failed.length) parts.push(`${failed.length} failed (${failed.join(', ')})`);
  if (running.length) parts.push(`${running.length} running (${running.join(', ')})`);
  if (open.length) parts.push(`${open.length} pending (${open.join(', ')})`);
  return parts.length
    ? `grid ${report.spec.name} is incomplete: of ${report.runs.length} runs, ${parts.join(' and ')}`
    : null;
}

/** The sharpness and trace of curvature/final.json, else best.json: for runs that logged none. */
function measuredCurvature(files: CurvatureFile[]): FinalCurvature | null {
  for (const checkpoint of ['final', 'best']) {
    const f = files.find((x) => x.checkpoint === checkpoint && (x.top !== null || x.trace !== null));
    if (f) return { top: f.top, trace: f.trace, step: f.step, source: f.name };
  }
  return null;
}

/** The spectral density of curvature/best.json, else final.json, else the latest step-N.json that holds one. */
function spectrumOf(files: CurvatureFile[]): RunSpectrum | null {
  const f = densityFile(files);
  return f?.density ? { file: f.name, step: f.step, ...f.density } : null;
}

/** A label less its seed suffix (`gn-s3` with seed 3 is variant `gn`): how older grids name seeded runs. */
function variantOf(label: string, seed: number | null): string {
  const suffix = `-s${seed}`;
  return seed !== null && label.endsWith(suffix) && label.length > suffix.length
    ? label.slice(0, -suffix.length)
    : label;
}

/**
 * The options of a grid run that has not started, as the trainer will resolve them (lambda, micro-batch
 * and eval-every follow from others); the grid checked them when it was made, so a failure to resolve
 * here (an edited grid.json) leaves the grid's settings with the declared defaults.
 */
function gridRunOptions(spec: GridSpec, run: GridRun, dir: string): Partial<TrainConfig> {
  try {
    return withDefaults(validateConfig(runConfig(spec, run, dir)));
  } catch {
    return withDefaults({ ...spec.base, ...run.config });
  }
}

/**
 * The options with the declared defaults where unset (a grid's settings, or a config.json older
 * than an option), as the trainer resolves them: a budget in epochs has no step count.
 */
function withDefaults(c: Partial<TrainConfig>): Partial<TrainConfig> {
  const all: Partial<TrainConfig> = { ...DEFAULTS, ...c };
  if (all.epochs !== undefined) delete all.steps;
  return all;
}

/** The run's protocol option ('ireg' or 'authors'); configs older than the option ran ireg's. */
function protocolOf(c: Partial<TrainConfig>): string {
  const p = (c as { protocol?: unknown }).protocol;
  return typeof p === 'string' ? p : 'ireg';
}

function provenanceOf(f: RunConfigFile): RunProvenance {
  const p = f.provenance;
  const m = p.machine;
  const gib = (m.memoryBytes / 2 ** 30).toFixed(0);
  return {
    version: p.ireg,
    commit: p.gitCommit,
    dirty: p.gitDirty,
    torch: p.torch,
    threads: p.threads,
    device: f.derived.device,
    machine:
      `${m.hostname}: ${m.cpu}, ${m.cores} cores, ${gib} GiB, ${m.platform} ${m.release} ${m.arch}` +
      (p.gpu ? `; GPU ${p.gpu}` : ''),
    createdAt: f.createdAt,
    plugins: (f.plugins ?? []).map((r) => `${r.name} (${r.file}, sha256 ${r.sha256.slice(0, 12)})`),
  };
}

function pct(x: number | null | undefined): number | null {
  return x === null || x === undefined ? null : 100 * x;
}

export type { Summary };

/** What "test acc" means in this report: the official test split, unless some runs swapped the roles (authors' CIFAR-10 protocol). */
export function testAccNote(report: GridReport): string {
  const base = '"test acc" is each run\'s best-validation checkpoint on the official test split';
  const swapped = report.runs.filter((r) => r.valFrom === 'test').map((r) => r.label);
  if (!swapped.length) return base;
  return (
    `${base}, except for ${swapped.join(', ')} (--protocol authors): these selected their checkpoint on the official ` +
    "test split and report on the held-out training images, as the authors' code does"
  );
}
