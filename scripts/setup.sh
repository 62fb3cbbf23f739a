#!/usr/bin/env bash
# Sets up ireg on a fresh Debian/Ubuntu machine: the Debian packages it needs
# (when run as root, or with sudo), then npm dependencies and the native addon.
set -euo pipefail
cd "$(dirname "$0")/.."

# libtorch (C++), Gloo's headers (for torch.distributed's Gloo backend, one run across
# processes), OpenBLAS for its matrix products, PyTorch on the same libtorch
# (tests and benchmarks compare against it), Fashion-MNIST (the default dataset), and chromium
# (the browser tests load the HTML reports in it; they skip without it, except under CI).
PACKAGES=(libtorch-dev libgloo-dev libopenblas0-pthread python3-torch dataset-fashion-mnist g++ make python3 chromium)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ -n "${LIBTORCH:-}" ]; then
  # A user-supplied libtorch replaces Debian's.
  missing=("${missing[@]/libtorch-dev}")
  missing=("${missing[@]/libgloo-dev}")
fi
missing=(${missing[@]+"${missing[@]}"})
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" = none ] || ! command -v apt-get >/dev/null; then
    echo "ireg: please install these Debian/Ubuntu packages first: ${missing[*]}" >&2
    exit 1
  fi
  echo "ireg: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci
