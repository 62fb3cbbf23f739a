// What ireg knows about one dataset, declared once (one file per dataset beside this one):
// the loaders, the pipeline defaults, `ireg data get` and `ireg data list` all read it.
import type { Scan } from '../loader.js';
import type { Augmentation } from '../types.js';

/** The checksum a file must have; md5 where only that is published. */
export interface Expected {
  md5?: string;
  sha256?: string;
}

/** One file fetched from the dataset's host. */
export interface RemoteFile extends Expected {
  name: string;
}

/** How a dataset is fetched from its official host. */
export interface OfficialSource {
  /** Folder URL the file names are appended to (a mirror may replace it). */
  baseUrl: string;
  files: RemoteFile[];
  /** 'none': the downloaded files are the dataset; else each file is an archive to unpack. */
  unpack: 'none' | 'tar' | 'zip';
  /** Checksums of unpacked files, relative to the dataset's folder, where known. */
  unpacked?: Record<string, string>;
}

/** What the npm route fetches and what the files it writes must hash to (file name -> sha256). */
export interface NpmSource {
  spec: string;
  sha256: Record<string, string>;
}

export interface DatasetDeclaration {
  /** The name of --dataset and of the dataset's folder in the data folder. */
  name: string;
  /** The name for people (reports, `ireg data list`). */
  title: string;
  /** Number of classes, known without loading. */
  classes: number;
  /** Examples held out from the end of the training set for validation; a tenth when absent. */
  valSize?: number;
  /** The default augmentation of its training images. */
  augmentation: Augmentation;
  /** Locates the files in the dataset's folder (throws naming a missing file). */
  scan(dir: string): Scan;
  /** Files (relative to the dataset's folder) whose presence means the dataset is there; any one of each list. */
  required: string[][];
  official?: OfficialSource;
  npm?: NpmSource;
  /** How to get it when ireg does not fetch it: a Debian package and where it installs the files. */
  system?: { package: string; dir: string };
}

/** Crop (4-pixel zero padding) plus horizontal flip: natural RGB images. */
export const CROP_FLIP: Augmentation = { cropPadding: 4, flip: true };
/** Crop only: digits, which a flip would change. */
export const CROP_ONLY: Augmentation = { cropPadding: 4, flip: false };
/** No augmentation. */
export const NO_AUGMENTATION: Augmentation = { cropPadding: 0, flip: false };

/** `names` inside `folder`, or directly in the dataset's folder: the required lists of an archive's folder. */
export const inFolder = (folder: string, names: string[]): string[][] => names.map((n) => [`${folder}/${n}`, n]);
