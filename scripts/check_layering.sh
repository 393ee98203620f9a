#!/usr/bin/env bash
# Refuses includes that break the layering of shared/DESIGN.md: each library folder
# may include only itself and the folders below it in
#   tensor < autograd < nn < data < chase
# and examples/, tests/, benchmarks/ sit on top (tests and benchmarks may also include
# examples/, whose command-line pieces they exercise). Beside the project's own
# headers, it checks two more rules:
#   - backend internals (tensor/cpu/, tensor/cuda/) are included only inside tensor/,
#     and by tests/ and benchmarks/, which test and measure the backends;
#   - an external library's headers appear only in the layer that links it
#     (meson.build): oneDNN and CUDA in tensor/, zlib, libcurl, libarchive, libpng and OpenSSL in
#     data/, nlohmann-json from nn/ up, OpenMP in tensor/ and chase/ (the trainer),
#     PLplot in chase/ (the evaluation's plots).
# The linker checks the same layering for symbols (the layer_check libraries of the
# top-level meson.build). Usage: scripts/check_layering.sh [SOURCE_ROOT]; prints one
# line per violation and exits 1 if there is any.
set -uo pipefail
root="${1:-$(dirname "$0")/..}"
cd "$root" || exit 2

layers=(tensor autograd nn data chase)

# allowed_project FOLDER: the project folders FOLDER may include, as a regex.
allowed_project() {
  case "$1" in
    tensor) echo 'tensor' ;;
    autograd) echo 'tensor|autograd' ;;
    nn) echo 'tensor|autograd|nn' ;;
    data) echo 'tensor|autograd|nn|data' ;;
    chase) echo 'tensor|autograd|nn|data|chase' ;;
    examples) echo 'tensor|autograd|nn|data|chase|examples' ;;
    tests | benchmarks) echo "tensor|autograd|nn|data|chase|examples|$1" ;;
  esac
}

# external_owner HEADER: the library folders that may include this external header
# (empty: any folder).
external_owner() {
  case "$1" in
    oneapi/* | dnnl* | cuda* | cublas* | cudnn* | cub/* | thrust/* | Eigen/* | nccl*)
      echo 'tensor' ;;
    zlib.h | curl/* | archive.h | archive_entry.h | png.h | openssl/*) echo 'data' ;;
    nlohmann/*) echo 'nn chase' ;;
    omp.h) echo 'tensor chase' ;;
    plplot.h | plplot/*) echo 'chase' ;;
    *) echo '' ;;
  esac
}

violations=0
report() {
  echo "$1"
  violations=$((violations + 1))
}

for folder in "${layers[@]}" examples tests benchmarks; do
  [ -d "$folder" ] || continue
  allowed="$(allowed_project "$folder")"
  while IFS=: read -r file line text; do
    [[ "$text" =~ include[[:space:]]*[\<\"]([^\>\"]+) ]] || continue
    header="${BASH_REMATCH[1]}"
    top="${header%%/*}"
    if [[ "$text" =~ \" ]] && [[ "$header" == */* ]] &&
       [[ "$top" =~ ^(tensor|autograd|nn|data|chase|examples|tests|benchmarks)$ ]]; then
      if ! [[ "$top" =~ ^($allowed)$ ]]; then
        report "$file:$line: includes \"$header\": $folder/ may include only ${allowed//|/, }"
      elif [[ "$header" =~ ^tensor/(cpu|cuda)/ ]] &&
           [[ "$folder" != tensor && "$folder" != tests && "$folder" != benchmarks ]]; then
        report "$file:$line: includes \"$header\": backend internals stay inside tensor/ (use the tensor API)"
      fi
    elif [[ "$text" =~ \< ]]; then
      owners="$(external_owner "$header")"
      case "$folder" in examples | tests | benchmarks) owners='' ;; esac
      if [ -n "$owners" ] && ! [[ " $owners " == *" $folder "* ]]; then
        report "$file:$line: includes <$header>: only ${owners// /, }/ links that library"
      fi
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$folder" \
             --include='*.h' --include='*.cpp' --include='*.cu' --include='*.cuh')
done

if [ "$violations" -gt 0 ]; then
  echo "check_layering: $violations include(s) break the layering (shared/DESIGN.md)"
  exit 1
fi
echo "check_layering: every include respects tensor < autograd < nn < data < chase"
