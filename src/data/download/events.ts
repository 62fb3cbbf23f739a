// What a dataset download tells its caller while it works: the CLI turns these
// into a progress bar on a terminal and plain lines otherwise.

/** One report from getDataset: a line of text, or the progress of a long step. */
export type GetEvent =
  | { type: 'line'; text: string }
  | { type: 'progress'; label: string; done: number; total: number; unit: 'bytes' | 'files' }
  | { type: 'progress-end'; label: string };

export type OnGetEvent = (e: GetEvent) => void;
