// The machines a report's runs ran on, each named once: the long description (host, CPU, memory,
// system, GPU, libtorch) would otherwise repeat on every row of a grid run on one machine.
import type { RunReport } from './grid-report.js';

export interface MachineGroup {
  /** 1, 2, …: how the runs table refers to it when there are several. */
  id: number;
  text: string;
  /** The labels of the runs that ran on it. */
  runs: string[];
}

/** The distinct machines (with their libtorch) of the runs that started, in order of first use. */
export function machineGroups(runs: readonly RunReport[]): MachineGroup[] {
  const groups = new Map<string, MachineGroup>();
  for (const r of runs) {
    if (!r.provenance) continue;
    const text = `${r.provenance.machine}; torch ${r.provenance.torch}`;
    const g = groups.get(text) ?? { id: groups.size + 1, text, runs: [] };
    g.runs.push(r.label);
    groups.set(text, g);
  }
  return [...groups.values()];
}

/** The group of run `r` among `groups`, if it started. */
export function machineOf(groups: readonly MachineGroup[], r: RunReport): MachineGroup | undefined {
  return groups.find((g) => g.runs.includes(r.label));
}

/** One line per machine: 'machine: …' when the runs share one, else 'machine 1: … (runs a, b)'. */
export function machineLines(runs: readonly RunReport[]): string[] {
  const groups = machineGroups(runs);
  if (groups.length <= 1) return groups.map((g) => `machine: ${g.text}`);
  return groups.map((g) => `machine ${g.id}: ${g.text} (runs ${g.runs.join(', ')})`);
}
