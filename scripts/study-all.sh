#!/bin/sh
# The CPU studies of 2026-11-30 (bench/results/fd-study-aj-2026-11-30.md, fd-study-long-2026-11-30.md,
# cpu-gap-2026-11-30.md):
# every run niced and single-threaded, two at a time (`ireg grid --jobs 2`). Each run is
# deterministic, so the order in which they run changes nothing. Rerunning skips finished runs
# and resumes interrupted ones. Run `npm run build` first.
# Usage: sh scripts/study-all.sh <out-dir> <cifar10-jpeg-dir>
OUT=${1:?usage: sh scripts/study-all.sh <out-dir> <cifar10-jpeg-dir>}
JPEG=${2:?usage: sh scripts/study-all.sh <out-dir> <cifar10-jpeg-dir>}
run() { nice -n 19 node dist/src/cli/main.js grid "$@" --out "$OUT" --jobs 2 --threads 1 || echo "study-all: $1 had failed runs" >&2; }
run grids/fd-study-aj.yaml
run grids/fd-study-long.yaml
run grids/cpu-gap-mlp-fmnist2k.yaml
run grids/cpu-gap-cnnbn-cifar500.yaml --dataset imagefolder:"$JPEG"
