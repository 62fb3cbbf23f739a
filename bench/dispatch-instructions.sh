#!/usr/bin/env bash
# Instructions per tiny op (add of 4 floats) in ireg and in PyTorch, counted by
# callgrind as the difference between runs of 50,000 and 150,000 ops, so start-up
# cancels. Needs valgrind; run `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${IREG_PYTHON:-/usr/bin/python3}
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
per_op() { local a b; a=$(count "$@" 50000); b=$(count "$@" 150000); echo $(( (b - a) / 100000 )); }
ireg=$(per_op node dist/bench/dispatch-loop.js)
torch=$(per_op "$PY" bench/dispatch_loop.py)
echo "instructions per tiny add: ireg $ireg, PyTorch $torch, ratio $(python3 -c "print(round($ireg/$torch, 2))")"
