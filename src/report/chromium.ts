// Debian's chromium, which draws the report's figures as PNG and PDF (and which the browser tests
// drive): found where Debian installs it, else on PATH. Nothing is downloaded: playwright-core
// only drives a browser that is already there.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Debian's chromium: /usr/bin/chromium, else `chromium` on PATH; null when neither is there. */
export function chromiumPath(): string | null {
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'chromium'))) return join(dir, 'chromium');
  }
  return null;
}
