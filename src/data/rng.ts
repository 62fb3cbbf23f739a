// Seeded random streams for data order and augmentation.
// Keys are derived with SplitMix64 (Steele, Lea & Flood 2014) over (seed, ...parts); each key
// seeds a xoshiro128** generator (Blackman & Vigna 2018). A stream therefore depends only on
// its key parts, e.g. (seed, epoch) for an epoch's order, so nothing needs saving to resume.

const MASK64 = (1n << 64n) - 1n;

function splitmix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** A 64-bit key mixing a seed with any number of non-negative integer parts. */
export function streamKey(seed: number, ...parts: number[]): bigint {
  let h = splitmix64(BigInt.asUintN(64, BigInt(seed)));
  for (const p of parts) h = splitmix64(h ^ BigInt(p));
  return h;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** xoshiro128**: 32-bit outputs from 128 bits of state. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(key: bigint) {
    const a = splitmix64(key);
    const b = splitmix64(a);
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A generator at an explicit state, as returned by state(). */
  static fromState(s: readonly number[]): Rng {
    const r = new Rng(0n);
    [r.s0, r.s1, r.s2, r.s3] = s.map((x) => x | 0);
    return r;
  }

  /** The 128-bit state as four uint32s (serialisable). */
  state(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** The next uint32. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform integer in [0, n), 1 <= n <= 2^32, without modulo bias (rejection). */
  below(n: number): number {
    const limit = 0x100000000 - (0x100000000 % n);
    let r = this.nextU32();
    while (r >= limit) r = this.nextU32();
    return r % n;
  }

  /** A fair coin. */
  bit(): boolean {
    return this.nextU32() >>> 31 === 1;
  }

  /** A uniform float in (0, 1). */
  uniform(): number {
    return (this.nextU32() + 0.5) / 0x100000000;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** `size` distinct indices of [0, n) in draw order (a partial Fisher–Yates shuffle); all n when size >= n. */
export function sampleIndices(n: number, size: number, rng: Rng): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const m = Math.min(size, n);
  for (let i = 0; i < m; i++) {
    const j = i + rng.below(n - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, m);
}
