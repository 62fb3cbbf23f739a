#!/usr/bin/env bash
# The GPU checks in one call, for a lent GPU machine that has PyTorch 2.x as python3 but no
# node (the caller brings .device/: node.xz, the N-API headers in napi/, the runtime
# node_modules as nm.tar.xz, and dist/ built beforehand). Builds the addon against
# python3's torch, then runs the CUDA tests, the forward-over-reverse check, the
# ireg-vs-PyTorch step benchmark on ResNet-18 and VGG-11, and the CPU tests that compare
# with PyTorch. Each stage has a time limit inside DEADLINE seconds; logs go to $OUT.
# Usage: bash bench/gpu/device-run.sh [stage ...]; stages: tests-cuda fwd bench tests-cpu (the
# default), train (ireg train's step time on CUDA, data pipeline included, on random images in
# CIFAR-10's layout), determinism (the step benchmark with deterministic algorithms), dist (the
# process group's collectives over NCCL on one GPU; DIST_DEVICE=cpu tries them on Gloo).
set -u
STAGES=${*:-tests-cuda fwd bench tests-cpu}
want() { [[ " $STAGES " == *" $1 "* ]]; }
OUT=${OUT:-/tmp/ireg-gpu-out}
DEADLINE=${DEADLINE:-400}
mkdir -p "$OUT"
t0=$(date +%s)
left() { echo $((DEADLINE - ($(date +%s) - t0))); }
say() { echo "[$(($(date +%s) - t0))s] $*"; }
# Runs a stage with at most $1 seconds (less if the deadline is nearer), its output to $OUT/$2.
stage() {
  local limit=$1 log=$2
  shift 2
  local l
  l=$(left)
  ((l < limit)) && limit=$l
  if ((limit < 10)); then
    say "skipped (no time left): $*"
    return 1
  fi
  say "start ($limit s): $*"
  timeout "$limit" "$@" >>"$OUT/$log" 2>&1
  local rc=$?
  say "rc=$rc: $*"
  tail -n 25 "$OUT/$log"
  return $rc
}

mkdir -p /tmp/ireg-node && xz -dc .device/node.xz >/tmp/ireg-node/node && chmod +x /tmp/ireg-node/node
export PATH=/tmp/ireg-node:$PATH
tar -xJf .device/nm.tar.xz
say "node $(node --version)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())'

# Build: the flags binding.gyp would use, compiled in parallel with g++ (no node-gyp here).
build() {
  export LIBTORCH_USE_PYTORCH=1
  local inc std def libs
  inc=$(node scripts/torch-config.cjs include) || return 1
  std=$(node scripts/torch-config.cjs std) && def=$(node scripts/torch-config.cjs defines) &&
    libs=$(node scripts/torch-config.cjs libs) || return 1
  local flags=(-fPIC -O2 "$std" -fexceptions -frtti -Wno-unused-parameter -Wno-deprecated-declarations
    -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DBUILDING_NODE_EXTENSION -I.device/napi -Inode_modules/node-addon-api)
  # Several defines (the C++ ABI, then the distributed backends found), space-separated.
  for d in $def; do flags+=("-D$d"); done
  for d in $inc; do flags+=("-I$d"); done
  echo "g++ ${flags[*]}"
  mkdir -p build/Release /tmp/ireg-obj
  local pids=() f
  for f in native/*.cc; do
    g++ "${flags[@]}" -c "$f" -o "/tmp/ireg-obj/$(basename "$f" .cc).o" &
    pids+=($!)
  done
  local ok=0
  for p in "${pids[@]}"; do wait "$p" || ok=1; done
  ((ok == 0)) || return 1
  # shellcheck disable=SC2086
  g++ -shared -o build/Release/ireg_native.node /tmp/ireg-obj/*.o $libs
}
export -f build
stage 240 build.log bash -c build || {
  say "build failed"
  exit 1
}
node -e "import('./dist/src/tensor/index.js').then((t) => console.log('libtorch', t.torchVersion(), 'cuda devices', t.cuda.deviceCount()))"

want tests-cuda && stage 150 tests-cuda.log node scripts/run-tests.mjs dist/test/cuda
want fwd && stage 90 fwd-over-rev.log python3 bench/fwd_over_rev.py --device cuda --models cnn-bn,resnet18,vgg11 \
  --micro 128 --reps 10 --out "$OUT/fwd-over-rev-cuda.json"
export IREG_BENCH_OUT=$OUT
if want bench; then
  stage 150 bench.log node dist/bench/methods.js --device cuda --model resnet18 --batch 5120 --micro 128 \
    --rounds 2 --methods sb,lb,gn,gn-fd,ft,aj,uj
  stage 60 bench.log node dist/bench/methods.js --device cuda --model vgg11 --batch 5120 --micro 128 \
    --rounds 3 --methods sb,lb,gn,gn-fd,ft,aj,uj
fi
if want determinism; then
  stage 120 determinism.log node dist/bench/methods.js --device cuda --model resnet18 --batch 5120 --micro 128 \
    --rounds 2 --methods lb,gn,gn-fd --deterministic
fi

# ireg train on CUDA: seconds per step from metrics.jsonl's wallTime (data pipeline and the norm
# probe of each logged step included), on random images in CIFAR-10's layout.
train_runs() {
  local data=/tmp/ireg-c10/cifar-10-batches-bin runs=/tmp/ireg-runs
  mkdir -p "$data" && python3 -c '
import os, sys
d = sys.argv[1]
for name in ["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"]:
    rec = bytearray(os.urandom(10000 * 3073))
    for i in range(10000):
        rec[i * 3073] %= 10
    open(os.path.join(d, name), "wb").write(rec)
' "$data" || return 1
  local common=(--device cuda --model resnet18 --dataset cifar10 --data-dir /tmp/ireg-c10 --batch-size 5120
    --micro-batch-size 128 --eval-every 1000 --checkpoint-every 1000 --out "$runs")
  node dist/src/cli/main.js train "${common[@]}" --method lb --steps 15 --log-every 5 --name lb || return 1
  node dist/src/cli/main.js train "${common[@]}" --method lb --steps 15 --log-every 5 --no-deterministic \
    --name lb-nondeterministic || return 1
  node dist/src/cli/main.js train "${common[@]}" --method gn --steps 6 --log-every 2 --name gn || return 1
  node dist/src/cli/main.js train "${common[@]}" --method gn --penalty-grad fd --steps 6 --log-every 2 --name gn-fd ||
    return 1
  for r in lb lb-nondeterministic gn gn-fd; do
    node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse).filter((r) => r.wallTime !== undefined);
const [a, b] = rows.slice(1, 3); // after step 0's validation, before the last step's
console.log(process.argv[2], "s per step (records 2 and 3, one norm probe included):", ((b.wallTime - a.wallTime) / (b.step - a.step)).toFixed(3));
' "$runs/$r/metrics.jsonl" "$r"
  done
}
export -f train_runs
want train && stage 200 train.log bash -c train_runs
# The process group on the device: one rank (a lone GPU cannot host two NCCL ranks), NCCL on
# CUDA (DIST_DEVICE=cpu tries Gloo on the CPU): all-reduce, broadcast and barrier, with results.
dist_runs() {
  DIST_DEVICE=${DIST_DEVICE:-cuda} node --input-type=module -e '
const t = await import("./dist/src/tensor/index.js");
const cuda = process.env.DIST_DEVICE === "cuda";
console.log("backends in this build:", t.distributedBackends().join(", ") || "none");
const g = t.ProcessGroup.init({ backend: cuda ? "nccl" : "gloo", masterAddr: "127.0.0.1", masterPort: 29531, rank: 0, worldSize: 1, timeoutMs: 60000 });
const x = t.tensor([1, 2, 3]).to(cuda ? "cuda" : "cpu");
g.allReduceSum([x]);
g.broadcast([x], 0);
g.barrier();
console.log(g.backend, "on", x.device, "all-reduce of [1, 2, 3] over one rank:", x.to("cpu").toArray().join(", "));
g.destroy();
'
}
export -f dist_runs
want dist && stage 90 dist.log bash -c dist_runs
want tests-cpu && stage 150 tests-cpu.log node scripts/run-tests.mjs dist/test/tensor dist/test/methods dist/test/nn \
  dist/test/models
say "done"
