// A private one-node Slurm cluster for a test file (scripts/slurm/start-cluster.sh):
// started once before the file's tests, stopped after them. Where Slurm cannot be
// started (not root, packages missing and not installable) the tests that need it
// skip with the reason; under CI (CI=true) they fail instead.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, type TestContext } from 'node:test';

/** scripts/slurm/, from this compiled file's dist/test/helpers/. */
const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts', 'slurm');

export interface SlurmCluster {
  /** The cluster's folder (slurm.conf, logs, state). */
  dir: string;
  /** Environment for Slurm's client commands: SLURM_CONF names this cluster's slurm.conf. */
  env: NodeJS.ProcessEnv;
}

export interface SlurmFixture {
  /** The running cluster, or null after skipping the test (failing it under CI) when there is none. */
  require(t: TestContext): SlurmCluster | null;
}

/**
 * Registers before/after hooks that start a cluster for this test file and stop it. While it runs,
 * process.env.SLURM_CONF points at it, so Slurm commands run by the code under test reach it.
 */
export function slurmCluster(): SlurmFixture {
  let cluster: SlurmCluster | null = null;
  let reason = 'the Slurm cluster was not started';
  let previousConf: string | undefined;
  const stop = (): void => {
    if (!cluster) return;
    spawnSync('bash', [join(SCRIPTS, 'stop-cluster.sh'), cluster.dir], { encoding: 'utf8', timeout: 60_000 });
    rmSync(cluster.dir, { recursive: true, force: true });
    cluster = null;
  };
  // A test process stopped by a signal skips after(): the daemons must not outlive it.
  const onSignal = (signal: NodeJS.Signals): void => {
    stop();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  before(() => {
    const dir = mkdtempSync(join(tmpdir(), 'ireg-slurm-'));
    const r = spawnSync('bash', [join(SCRIPTS, 'start-cluster.sh'), dir], { encoding: 'utf8', timeout: 600_000 });
    if (r.status === 0) {
      cluster = { dir, env: { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') } };
      previousConf = process.env.SLURM_CONF;
      process.env.SLURM_CONF = join(dir, 'slurm.conf');
      process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
      return;
    }
    rmSync(dir, { recursive: true, force: true });
    const message = (r.stderr || r.error?.message || `exit status ${r.status}`).trim();
    // Exit status 2: Slurm cannot run here (no root, no packages); anything else is a broken setup.
    if (r.status !== 2) throw new Error(`cannot start the test Slurm cluster: ${message}`);
    reason = `Slurm cannot be started here: ${message}`;
  });
  after(() => {
    if (!cluster) return;
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    stop();
    if (previousConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = previousConf;
  });
  return {
    require(t) {
      if (cluster) return cluster;
      if (process.env.CI === 'true') throw new Error(`${reason} (required under CI)`);
      t.skip(reason);
      return null;
    },
  };
}
