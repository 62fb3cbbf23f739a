// `ireg status <grid-dir>`: where each run of a grid stands (pending, running, done,
// failed, diverged, plus what an executor knows live: queued on a cluster), with
// its steps and last logged numbers. Reads the grid folder only; changes nothing.
import { reportDamage } from './damaged.js';
import Table from 'cli-table3';
import { gridRunStatus, liveStates, readGrid, type GridRunStatus } from '../experiments/index.js';

/** A run's status with the executor's live state, where it has one. */
export interface StatusRow extends Omit<GridRunStatus, 'summary' | 'failure' | 'owner'> {
  live: string | null;
  /** The process working on a running run. */
  pid: number | null;
}

/** The status of every run of the grid in `dir`, in grid order. */
export async function gridStatus(dir: string): Promise<StatusRow[]> {
  const { spec } = readGrid(dir);
  const live = await liveStates(dir);
  return spec.runs.map((run) => {
    const { summary: _s, failure: _f, owner, ...s } = gridRunStatus(dir, run);
    return { ...s, live: live[run.label] ?? null, pid: owner?.pid ?? null };
  });
}

/** Prints the grid's status as a table (or JSON). */
export async function runStatusCommand(dir: string, o: { json?: boolean }): Promise<void> {
  const rows = await gridStatus(dir);
  if (o.json) console.log(JSON.stringify(rows, null, 2));
  else {
    const { spec } = readGrid(dir);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
    console.log(
      `grid ${spec.name} in ${dir}: ${rows.length} runs (${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')})`,
    );
    console.log(statusTable(rows));
  }
  reportDamage(rows.map((r) => ({ name: r.label, damage: r.state === 'damaged' ? r.error : null })));
}

/** The rows as a terminal table; '-' where a number is not known yet. */
export function statusTable(rows: StatusRow[]): string {
  const t = new Table({
    head: ['run', 'state', 'steps', 'val acc %', 'train loss', 'note'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'left'],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    const state = r.live && r.state !== 'done' ? `${r.state} (${r.live})` : r.state;
    t.push([
      r.label,
      state,
      `${r.steps}/${r.totalSteps ?? '-'}`,
      r.valAcc === null ? '-' : `${(100 * r.valAcc).toFixed(2)} @${r.valStep}`,
      r.trainLoss === null ? '-' : r.trainLoss.toFixed(4),
      note(r),
    ]);
  }
  return t.toString();
}

function note(r: StatusRow): string {
  if (r.error) return oneLine(r.error);
  if (r.state === 'running') return r.pid === null ? 'lock held' : `pid ${r.pid}`;
  if (r.state === 'pending' && r.checkpointStep !== null) return `continues from step ${r.checkpointStep}`;
  return '';
}

/** An error's first line, cut to a table cell's width. */
function oneLine(s: string): string {
  const first = s.split('\n')[0];
  return first.length > 100 ? first.slice(0, 99) + '…' : first;
}
