#!/usr/bin/env bash
# chase as a library people install: `meson install` a built tree into a temporary
# DESTDIR, check the layout (headers under include/chase/ keeping their folders,
# no backend internals, the five libraries, the `chase` program, chase.pc), compile
# every installed header with nothing but `pkg-config --cflags chase`, then build
# programs OUT OF TREE with `c++ $(pkg-config --cflags --libs chase)` and run them.
# Usage: tests/install/run.sh [BUILD_DIR] (default: build, as scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "install test: $*" >&2
  exit 1
}

meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/dest" >/dev/null
prefix="$(meson introspect "$build" --buildoptions |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')"
root="$tmp/dest$prefix"

# The layout.
[ -f "$root/include/chase/tensor/tensor.h" ] || fail "no include/chase/tensor/tensor.h"
for layer in autograd nn data chase; do
  [ -n "$(find "$root/include/chase/$layer" -name '*.h' 2>/dev/null)" ] ||
    fail "no headers under include/chase/$layer"
done
[ ! -e "$root/include/chase/tensor/cuda" ] && [ ! -e "$root/include/chase/tensor/cpu" ] ||
  fail "backend internals (tensor/cpu, tensor/cuda) were installed"
[ -x "$root/bin/chase" ] || fail "no bin/chase"
pc="$(find "$root" -name chase.pc)"
[ -n "$pc" ] || fail "no chase.pc"
libdir="$(dirname "$(dirname "$pc")")"
for lib in chase chase_data chase_nn chase_autograd chase_tensor; do
  compgen -G "$libdir/lib$lib.*" >/dev/null || fail "no lib$lib in $libdir"
done
echo "install test: layout ok ($(find "$root/include/chase" -name '*.h' | wc -l) headers, $(basename "$libdir"))"

# pkg-config resolves the prefix moved under DESTDIR; fmt, zlib, ... from the system.
export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pkgconf=(pkg-config --define-variable=prefix="$root")
cflags="$("${pkgconf[@]}" --cflags chase)"
libs="$("${pkgconf[@]}" --libs chase)"
cxx="${CXX:-c++}"

# Every installed header compiles for a user (no backend or private header needed).
(cd "$root/include/chase" && find . -name '*.h' | sed 's|^\./||' | LC_ALL=C sort |
  sed 's/.*/#include "&"/') >"$tmp/all_headers.cpp"
# shellcheck disable=SC2086  # pkg-config's output is words by design
"$cxx" -std=c++20 -fsyntax-only $cflags "$tmp/all_headers.cpp" ||
  fail "the installed headers do not compile with pkg-config --cflags chase"
echo "install test: $(wc -l <"$tmp/all_headers.cpp") installed headers compile with pkg-config --cflags"

# Users' programs, out of tree: copies outside the source tree, so that nothing but
# the installed prefix can be found. train_step.cpp trains a few steps to the end;
# examples/tiny_multi_exit.cpp (the README's example: a two-exit model trained on
# Fashion-MNIST, a minute or more on a slow machine, seconds on a fast one) must
# load the data and train without an error: finished, or still training at 10 s.
build_out_of_tree() {
  cp "$1" "$tmp/$2.cpp"
  # shellcheck disable=SC2086  # pkg-config's output is words by design
  "$cxx" -std=c++20 -O2 "$tmp/$2.cpp" -o "$tmp/$2" $cflags $libs ||
    fail "$1 does not build against the installed prefix"
}
build_out_of_tree tests/install/train_step.cpp train_step
"$tmp/train_step" || fail "train_step built against the installed prefix did not train"
build_out_of_tree examples/tiny_multi_exit.cpp tiny_multi_exit
status=0
timeout 10 "$tmp/tiny_multi_exit" "$tmp/tiny_run" >"$tmp/tiny.log" 2>&1 || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 124 ] ||
  { cat "$tmp/tiny.log"; fail "tiny_multi_exit failed (status $status) within 10 s"; }
"$root/bin/chase" --help >/dev/null || fail "the installed chase program does not start"
echo "install test: train_step.cpp and examples/tiny_multi_exit.cpp built out of tree with" \
  "pkg-config; train_step trained, tiny_multi_exit trained (10 s at most); bin/chase --help ok"
