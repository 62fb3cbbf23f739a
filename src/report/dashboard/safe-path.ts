// Maps a request path to a file inside the served folder, refusing everything
// else. The raw path is checked before any decoding or normalisation (a URL
// parser would turn `/a/%2e%2e/b` into `/b` before we could see it): encoded
// separators and NUL, `.` and `..` segments (plain or encoded), hidden names,
// empty segments and backslashes are refused, and the decoded path must
// still resolve (symlinks followed) to a regular file inside the folder.
import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

export type Resolved = { file: string } | { status: 400 | 403 | 404; reason: string };

/** The file that `rawPath` (percent-encoded, relative, '/'-separated) names inside `realRoot` (a realpath), or why not. */
export function resolveInside(realRoot: string, rawPath: string): Resolved {
  if (/%(2f|5c|00)/i.test(rawPath) || rawPath.includes('\\') || rawPath.includes('\0'))
    return { status: 403, reason: 'encoded separators are not served' };
  const raw = rawPath.split('/');
  let segments: string[];
  try {
    segments = raw.map(decodeURIComponent);
  } catch {
    return { status: 400, reason: 'malformed percent-encoding' };
  }
  if (!segments.length || segments.some((s) => s === '')) return { status: 404, reason: 'not a file path' };
  if (segments.some((s) => s.startsWith('.')))
    return { status: 403, reason: 'dot segments and hidden names are not served' };
  const candidate = join(realRoot, ...segments);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return { status: 404, reason: 'no such file' };
  }
  if (!real.startsWith(realRoot + sep)) return { status: 403, reason: 'resolves outside the served folder' };
  try {
    if (!statSync(real).isFile()) return { status: 404, reason: 'not a file' };
  } catch {
    return { status: 404, reason: 'no such file' };
  }
  return { file: real };
}
