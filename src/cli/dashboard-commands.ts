// `ireg dashboard <dir>` (a live, read-only view of a grid or folder of runs in the
// browser) and `ireg export tensorboard <dir>` (event files for TensorBoard).
import { reportDamage } from './damaged.js';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_PORT, exportTensorboard, isLoopback, startDashboard } from '../report/index.js';

/** Registers `ireg dashboard` and `ireg export tensorboard` on the program. */
export function addDashboardCommands(p: Command): void {
  p.command('dashboard')
    .description('serve a live view of a grid or folder of runs in the browser (read-only; 127.0.0.1 unless --host)')
    .argument('<dir>', 'a grid folder, a run directory or a folder of runs')
    .option('--port <n>', `port to listen on (0 picks a free one)`, parsePort, DEFAULT_PORT)
    .option('--host <address>', 'address to listen on; anything but loopback exposes the folder to the network')
    .action((dir: string, o: { port: number; host?: string }) => runDashboard(dir, o));

  p.command('export')
    .description('export runs to other tools')
    .command('tensorboard')
    .description('write TensorBoard event files with every logged scalar, one subfolder per run')
    .argument('<dir>', 'a run directory, a grid folder or a folder of runs')
    .option('--out <dir>', 'folder to write (default: <dir>/tensorboard); then run tensorboard --logdir on it')
    .action((dir: string, o: { out?: string }) => runExportTensorboard(dir, o));
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

/** Serves `dir` until SIGINT or SIGTERM. */
async function runDashboard(dir: string, o: { port: number; host?: string }): Promise<void> {
  if (o.host !== undefined && !isLoopback(o.host))
    process.stderr.write(
      `warning: listening on ${o.host}: anyone who can reach this address can read every file in ${dir} (no password)\n`,
    );
  const d = await startDashboard({ dir, port: o.port, host: o.host });
  // The handlers go in before the address is printed: whoever reads it may stop us at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => void d.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log(`dashboard of ${dir}: ${d.url} (Ctrl-C stops it)`);
  await stopped;
}

function runExportTensorboard(dir: string, o: { out?: string }): void {
  const r = exportTensorboard(dir, o.out);
  for (const run of r.runs) console.log(`${run.label}: ${run.events} records -> ${run.file}`);
  if (r.skipped.length) console.log(`not started, skipped: ${r.skipped.join(', ')}`);
  if (r.runs.length) console.log(`tensorboard --logdir ${r.out}`);
  reportDamage(r.damaged);
}
