#!/bin/sh
# The CPU studies of 2026-11-30 (bench/results/fd-study-aj-2026-11-30.md, cpu-gap-2026-11-30.md):
# every run niced, single-threaded, two at a time. Each run is deterministic, so the order in which
# they run changes nothing. Rerunning skips finished runs and resumes interrupted ones.
# Usage: sh scripts/study-all.sh <out-dir> <cifar10-jpeg-dir>
OUT=${1:?usage: sh scripts/study-all.sh <out-dir> <cifar10-jpeg-dir>}
JPEG=${2:?usage: sh scripts/study-all.sh <out-dir> <cifar10-jpeg-dir>}
run() { node scripts/study-run.mjs "$@" --out "$OUT" --jobs 2 || echo "study-all: $1 had failed runs" >&2; }
run grids/fd-study-aj.yaml --only sb,aj-exact,aj-fd-0.01,gn-exact-s1,gn-fd-0.01-s1
run grids/cpu-gap-mlp-fmnist2k.yaml
run grids/cpu-gap-cnnbn-cifar500.yaml --set dataset=imagefolder:"$JPEG"
