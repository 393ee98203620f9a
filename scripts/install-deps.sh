#!/usr/bin/env bash
# Installs everything chase needs to build, test and train, from Debian's
# packages only. The one list of dependencies: the README calls this script,
# CI installs what `install-deps.sh --list` prints.
set -euo pipefail
packages=(
  meson ninja-build g++ pkg-config   # build
  libdnnl-dev libomp-dev             # CPU backends
  libfmt-dev nlohmann-json3-dev zlib1g-dev libcurl4-openssl-dev libarchive-dev
  libssl-dev                           # OpenSSL: md5 of downloads
  libplplot-dev plplot-driver-cairo   # chase plot: PNG and SVG
  libpng-dev                           # chase predict's PNG images
  doctest-dev                          # tests
  dataset-fashion-mnist                # the embedded default dataset
)
if [ "${1:-}" = "--list" ]; then
  echo "${packages[@]}"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
