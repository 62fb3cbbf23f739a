// The colours of the series in the report's figures and the dashboard's charts: one assignment
// for both, by place in the list (the report's variants, the dashboard's runs, in order), so a
// series keeps its colour from figure to figure and from the report to the dashboard.

/**
 * Vega's default categorical palette (tableau10), then colours chosen to stay far from these and
 * from each other (CIELAB distance at least 30), for folders of more runs; past its end it repeats.
 */
export const PALETTE = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
  '#4433aa',
  '#bb0088',
  '#dd88ff',
  '#225533',
  '#0088ff',
  '#666600',
  '#882244',
  '#773300',
  '#bbbb77',
  '#663377',
  '#99bb22',
  '#ff77bb',
  '#ee9966',
  '#00bbee',
];

/** The colour of the series at place `i` (from 0) of its list. */
export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}
