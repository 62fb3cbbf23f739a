// b^k for an integer k >= 0, rounded once: binary powering in double-double
// arithmetic (about 106 bits), then one rounding to a double. PyTorch's Adam
// computes its bias corrections as Python's `beta ** step`, which is the C
// library's pow; V8's Math.pow differs from it in the last bit from the 4th
// power of 0.9 on, whereas this agrees with it over the first several hundred
// steps for the usual betas (where glibc's pow is itself correctly rounded).

const SPLIT = 134217729; // 2^27 + 1, Dekker's splitting constant for doubles

/** a * b as an unevaluated sum [p, e] with p = fl(a * b), exactly (Dekker's two-product). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/** The double-double product of x and y, renormalised. */
function mul(x: [number, number], y: [number, number]): [number, number] {
  const [p, e] = twoProduct(x[0], y[0]);
  const err = e + (x[0] * y[1] + x[1] * y[0]);
  const s = p + err;
  return [s, err - (s - p)];
}

/** b^k (k a non-negative integer), correctly rounded for normal results. */
export function exactPow(b: number, k: number): number {
  if (!(Number.isInteger(k) && k >= 0))
    throw new RangeError(`exactPow: the exponent must be an integer >= 0, got ${k}`);
  let r: [number, number] = [1, 0];
  let x: [number, number] = [b, 0];
  for (let n = k; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) r = mul(r, x);
    if (n > 1) x = mul(x, x);
  }
  return r[0] + r[1];
}
