// Builds the native addon (npm's install step): checks that libtorch is there first, so a
// missing libtorch gives one clear message instead of a compiler dump; skips the build when
// the addon in build/Release was built from the same inputs; else builds it aside and moves
// it in with one rename (scripts/addon-build.mjs), never removing the addon in use.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonStamp, ADDON, buildAddon, isUpToDate } from './addon-build.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
let stamp;
try {
  stamp = addonStamp(root);
} catch {
  process.exit(1); // torch-config has said what is missing
}
if (isUpToDate(root, stamp)) {
  console.log(`ireg: ${ADDON} is up to date (same sources, Node ABI and libtorch): not rebuilding`);
  process.exit(0);
}
const status = buildAddon(root, stamp);
if (status !== 0) {
  console.error(
    '\nireg: building the native addon failed (see above). LIBTORCH=' +
      (process.env.LIBTORCH ?? '(Debian libtorch-dev)'),
  );
  process.exit(status);
}
console.log(`ireg: built ${join(root, ADDON)}`);
