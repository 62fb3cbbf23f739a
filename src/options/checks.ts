// Value checks of the option declarations, as zod schemas. Each failing check
// reports one reason for its option ("must be ..."); the caller adds the
// option's flag and the value it got, so the CLI can quote what was typed.
import * as z from 'zod';

/** An integer in [min, max] (max: a safe integer when omitted). */
export function int(min: number, max = Number.MAX_SAFE_INTEGER): z.ZodNumber {
  const why = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
  const reason = max === Number.MAX_SAFE_INTEGER ? `must be ${why}` : `must be ${why} <= ${max}`;
  return z.number({ error: reason }).int({ error: reason }).min(min, { error: reason }).max(max, { error: reason });
}

/** A finite number in the interval from lo to hi; `open` excludes an end. */
export function real(lo: number, hi: number, open: { lo?: boolean; hi?: boolean } = {}): z.ZodNumber {
  const reason = `must be a number in ${open.lo ? '(' : '['}${lo}, ${hi}${open.hi ? ')' : ']'}`;
  const n = z.number({ error: reason });
  const low = open.lo ? n.gt(lo, { error: reason }) : n.gte(lo, { error: reason });
  return open.hi ? low.lt(hi, { error: reason }) : low.lte(hi, { error: reason });
}

/** Two numbers in [lo, hi), written 'a,b' (a CLI value) or [a, b] (config.json, grid files). */
export function unitPair(lo: number, hi: number): z.ZodType<[number, number]> {
  const reason = `must be two numbers in [${lo}, ${hi}), written 'a,b'`;
  const inRange = (x: number) => x >= lo && x < hi;
  const parts = (v: unknown) =>
    typeof v === 'string' ? v.split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x))) : v;
  return z.preprocess(
    parts,
    z
      .tuple([z.number({ error: reason }), z.number({ error: reason })], { error: reason })
      .refine((p) => p.every(inRange), { error: reason }),
  );
}

/** true or false. */
export function flag(): z.ZodBoolean {
  return z.boolean({ error: 'must be true or false' });
}

/** A non-empty string. */
export function text(): z.ZodString {
  return z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' });
}

/**
 * A name from a registry: a non-empty string, typed as one of the built-in names `T` while
 * any other string (a name a plugin registered) still type-checks. The registry checks it (rules.ts).
 */
export function registryName<T extends string>(): z.ZodType<T | (string & {})> {
  return text();
}

/** One of a fixed list of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, { error: `must be one of: ${values.join(', ')}` });
}

/** A value as an error message shows it: strings quoted. */
export function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}
