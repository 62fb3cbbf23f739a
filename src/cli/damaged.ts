// Commands that read many runs (list, report, export, dashboard) show a damaged run as such and go
// on; they end with this exit status so that scripts notice the damage.

/** The exit status of a command that did its work but found damaged runs (named in its output). */
export const DAMAGED_EXIT_CODE = 4;

/** Prints the damage of each damaged run on stderr and sets the damaged exit status; true when there was some. */
export function reportDamage(damaged: { name: string; damage: string | null }[]): boolean {
  const hit = damaged.filter((d) => d.damage !== null);
  for (const d of hit) console.error(`ireg: run ${d.name} is damaged: ${d.damage}`);
  if (hit.length) process.exitCode = DAMAGED_EXIT_CODE;
  return hit.length > 0;
}
