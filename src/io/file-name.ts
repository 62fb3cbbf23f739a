// Names that become one component of a path: a grid's run labels and name, `ireg train
// --name`. File systems allow 255 bytes per component, and ireg writes names longer than
// the one given beside it: temporaries of atomic writes (`.<name>.json.<pid>.<random>.tmp`,
// 31 bytes more) and run directories being built (`.<name>.<pid>.<random>.building`). A
// longer name would pass every other check, then fail mid-run with ENAMETOOLONG.

/** The most bytes (UTF-8) a name that becomes a file or folder name may have. */
export const MAX_NAME_BYTES = 200;

/** Why `name` is too long to be a file or folder name (naming it, shortened); null when it is not. */
export function nameLengthProblem(name: string): string | null {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes <= MAX_NAME_BYTES) return null;
  const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  return `'${shown}' is ${bytes} bytes long, more than the ${MAX_NAME_BYTES} a file or folder name may have`;
}
