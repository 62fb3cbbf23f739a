// Freed tensors of a few MB stay with the process's allocator: allocating them
// again costs no page faults. glibc's defaults would hand such blocks back to
// the kernel (once several are freed together) and fault them in again, which on
// small networks costs more than the arithmetic; the addon sets glibc's mmap and
// trim thresholds when it loads, unless the environment sets them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispose, zeros } from '../../src/tensor/index.js';

const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime;
const fromEnvironment =
  'MALLOC_MMAP_THRESHOLD_' in process.env ||
  'MALLOC_TRIM_THRESHOLD_' in process.env ||
  /glibc\.malloc\./.test(process.env.GLIBC_TUNABLES ?? '');

test(
  'four 4 MB tensors allocated and freed again and again do not fault their pages in each time',
  { skip: !glibc ? 'not glibc' : fromEnvironment ? 'malloc settings come from the environment' : false },
  () => {
    const pages = 4 * ((4 << 20) / 4096);
    // zeros writes every page, so each freshly mapped page faults once.
    const round = () => dispose([0, 1, 2, 3].map(() => zeros([1 << 20])));
    // The heap grows for a while (small allocations settle between the large blocks).
    for (let i = 0; i < 60; i++) round();
    const before = process.resourceUsage().minorPageFault;
    for (let i = 0; i < 20; i++) round();
    const faults = process.resourceUsage().minorPageFault - before;
    // Under glibc's defaults about every page of every round faults (some 80k in all).
    assert.ok(faults < (20 * pages) / 4, `${faults} page faults in 20 rounds of ${pages} pages each`);
  },
);
