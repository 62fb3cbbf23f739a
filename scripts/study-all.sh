#!/bin/sh
# The CPU studies of 2026-11-30 (bench/results/fd-study-aj-2026-11-30.md, cpu-gap-2026-11-30.md),
# in the order they ran, two niced single-thread trainings at a time. Rerunning skips finished runs.
# Usage: sh scripts/study-all.sh <out-dir> <cifar10-jpeg-dir>
OUT=${1:?usage: sh scripts/study-all.sh <out-dir> <cifar10-jpeg-dir>}
JPEG=${2:?usage: sh scripts/study-all.sh <out-dir> <cifar10-jpeg-dir>}
run() { node scripts/study-run.mjs "$@" --out "$OUT" --jobs 2 || echo "study-all: $1 had failed runs" >&2; }
run grids/fd-study-aj.yaml --only sb,aj-exact,aj-fd-0.01
run grids/cpu-gap-mlp-fmnist2k.yaml
run grids/cpu-gap-cnnbn-cifar2k.yaml --set dataset=imagefolder:"$JPEG"
run grids/fd-study-aj.yaml --only gn-exact-s1,gn-fd-0.01-s1
if [ -f grids/cpu-gap-third.yaml ]; then run grids/cpu-gap-third.yaml --set dataset=imagefolder:"$JPEG"; fi
run grids/fd-study-aj.yaml --only lb,gn-exact,gn-fd-0.01
