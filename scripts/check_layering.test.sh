#!/usr/bin/env bash
# Tests scripts/check_layering.sh: on a small tree that respects the layering it
# passes; with one bad include planted (an upward include, a backend header above
# tensor/, an external library's header outside its layer) it fails and names the
# file and line.
set -uo pipefail
script="$(cd "$(dirname "$0")" && pwd)/check_layering.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

# A clean tree in the project's layout.
make_tree() {
  rm -rf "$tmp/tree"
  mkdir -p "$tmp/tree"/{tensor/cuda,autograd,nn,data,chase,examples,tests/nn,benchmarks}
  cd "$tmp/tree" || exit 2
  printf '#pragma once\n#include <vector>\n#include <fmt/format.h>\n' >tensor/tensor.h
  printf '#include "tensor/tensor.h"\n#include <oneapi/dnnl/dnnl.hpp>\n' >tensor/conv.cpp
  printf '#pragma once\n#include <cuda_runtime_api.h>\n' >tensor/cuda/runtime.h
  printf '#include "tensor/tensor.h"\n#include "autograd/variable.h"\n' >autograd/variable.cpp
  printf '#pragma once\n#include "tensor/tensor.h"\n' >autograd/variable.h
  printf '#include "autograd/variable.h"\n#include <nlohmann/json.hpp>\n' >nn/module.cpp
  printf '#include "tensor/tensor.h"\n#include <zlib.h>\n#include <curl/curl.h>\n' >data/idx.cpp
  printf '#include "nn/module.h"\n#include "data/idx.h"\n#include <omp.h>\n' >chase/trainer.cpp
  printf '#include "chase/trainer.h"\n#include <omp.h>\n' >examples/main.cpp
  printf '#include "tensor/cuda/runtime.h"\n#include "examples/cli.h"\n' >tests/nn/test.cpp
  printf '#include "tensor/cuda/runtime.h"\n#include <oneapi/dnnl/dnnl.hpp>\n' >benchmarks/b.cpp
}

expect_pass() {
  make_tree
  if ! out="$(bash "$script" "$tmp/tree")"; then
    echo "FAIL: a clean tree was refused:"
    echo "$out"
    failures=$((failures + 1))
  fi
}

# expect_fail FILE LINE_TO_PLANT: plants the line at the top of FILE and expects a
# refusal that names FILE:1.
expect_fail() {
  make_tree
  { echo "$2"; if [ -f "$1" ]; then cat "$1"; fi; } >"$1.new" && mv "$1.new" "$1"
  if out="$(bash "$script" "$tmp/tree")"; then
    echo "FAIL: $1 with '$2' was accepted"
    failures=$((failures + 1))
  elif ! grep -q "^$1:1: " <<<"$out"; then
    echo "FAIL: the refusal of '$2' in $1 does not name $1:1:"
    echo "$out"
    failures=$((failures + 1))
  fi
}

expect_pass
expect_fail autograd/variable.cpp '#include "nn/module.h"'       # upward
expect_fail tensor/tensor.h '#include "autograd/variable.h"'     # upward from the bottom
expect_fail data/idx.cpp '#include "chase/trainer.h"'            # upward
expect_fail nn/module.cpp '#include "examples/cli.h"'            # a library on a program
expect_fail chase/model.h '#include "tests/nn/helper.h"'         # a library on tests
expect_fail examples/main.cpp '#include "tensor/cuda/runtime.h"' # backend above tensor/
expect_fail chase/trainer.cpp '  #  include "tensor/cpu/ref/ref_kernels.h"'
expect_fail nn/module.cpp '#include <curl/curl.h>'              # data/'s dependency
expect_fail autograd/variable.cpp '#include <cuda_runtime.h>'    # tensor/'s dependency
expect_fail tensor/tensor.h '#include <zlib.h>'
expect_fail data/idx.cpp '#include <nlohmann/json.hpp>'

if [ "$failures" -gt 0 ]; then
  echo "check_layering.test: $failures case(s) failed"
  exit 1
fi
echo "check_layering.test: a clean tree passes, 11 planted violations are refused"
