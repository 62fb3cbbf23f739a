// Builds the native addon with node-gyp, after checking that libtorch is there,
// so a missing libtorch gives one clear message instead of a compiler dump.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

try {
  execFileSync(process.execPath, ['scripts/torch-config.cjs', 'include'], { stdio: ['ignore', 'ignore', 'inherit'] });
} catch {
  process.exit(1);
}
const require = createRequire(import.meta.url);
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const jobs = process.env.JOBS ?? 'max';
// Build against the installed Node headers: node-gyp must never download them.
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
const args = [gyp, 'rebuild', `--jobs=${jobs}`].concat(nodedir ? [`--nodedir=${nodedir}`] : []);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(
    '\nireg: building the native addon failed (see above). LIBTORCH=' +
      (process.env.LIBTORCH ?? '(Debian libtorch-dev)'),
  );
  process.exit(r.status ?? 1);
}
