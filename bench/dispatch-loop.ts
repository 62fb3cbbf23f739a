// n tiny adds, each in its own tidy scope (what per-op dispatch costs in ireg).
// Driven by bench/dispatch-instructions.sh under callgrind: instruction counts
// do not depend on machine load, unlike wall-clock microbenchmarks.
import { randn, setNumThreads, tidy } from '../src/tensor/index.js';

setNumThreads(1);
const n = Number(process.argv[2] ?? 1000);
const x = randn([4]),
  y = randn([4]);
for (let i = 0; i < n; i++)
  tidy(() => {
    x.add(y);
  });
