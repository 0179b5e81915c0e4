#!/usr/bin/env bash
# Idempotent installer of REN-HPC's build and test dependencies on Debian 12 (run as root).
# Used by README's two fresh-machine commands and by .ci/run.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates python3
  libtorch-dev libopenblas0-pthread
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools
  libinsighttoolkit5-dev
  libxgboost-dev xgboost
  python3-torch python3-xgboost
  r-cran-proc
  libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libtbb-dev zlib1g-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all ${#packages[@]} packages present"
fi

# Debian's LibTorch links the generic BLAS alternative; make sure OpenBLAS (pthread) provides it,
# otherwise GEMMs run on the reference BLAS (~75x slower).
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
case "$arch" in amd64) triplet=x86_64-linux-gnu ;; arm64) triplet=aarch64-linux-gnu ;; *) triplet="$arch-linux-gnu" ;; esac
for lib in libblas.so.3 liblapack.so.3; do
  cand="/usr/lib/$triplet/openblas-pthread/$lib"
  if [ -e "$cand" ] && [ "$(id -u)" -eq 0 ]; then
    update-alternatives --set "$lib-$triplet" "$cand" >/dev/null 2>&1 || true
  fi
done
