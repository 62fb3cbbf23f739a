// setNumThreads(1) holds every pool libtorch computes with to one thread, the BLAS
// library's own included (OpenBLAS keeps a pool of its own that libtorch's setting
// does not reach): matrix products then run on the calling thread alone, so no
// other thread of the process accumulates CPU time while they run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { randn, setNumThreads, tidy } from '../../src/tensor/index.js';

/** CPU clock ticks (user + system) of each thread of this process, by thread id. */
function threadTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      // Fields after the parenthesised command: state is [0], utime [11], stime [12].
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, Number(f[11]) + Number(f[12]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return ticks;
}

test(
  'with one thread, large matrix products use no thread but the calling one',
  { skip: process.platform !== 'linux' ? 'reads /proc' : false },
  () => {
    setNumThreads(1);
    const product = () =>
      tidy(() =>
        randn([768, 768])
          .mm(randn([768, 768]))
          .sum()
          .item(),
      );
    product();
    const before = threadTicks();
    for (let i = 0; i < 40; i++) product();
    const after = threadTicks();
    const self = String(process.pid);
    let own = 0,
      others = 0;
    for (const [tid, t] of after) {
      const used = t - (before.get(tid) ?? 0);
      if (tid === self) own += used;
      else others += used;
    }
    assert.ok(own >= 10, `the products took ${own} ticks on the main thread: too few to judge`);
    assert.ok(others <= own / 10, `other threads used ${others} ticks beside the main thread's ${own}`);
  },
);
