#!/usr/bin/env bash
# chase as a meson subproject: a user's project (tests/install/subproject/) in a
# temporary folder with subprojects/chase linking to this checkout, configured with
# chase forced to come from the subproject. By default it configures the project and
# compiles the user's program against the subproject's dependency (seconds); with
# --full it also builds chase's libraries inside the user's build, links the program
# and runs it (a full build of the library: minutes).
# Usage: tests/install/subproject.sh [--full]
set -euo pipefail
cd "$(dirname "$0")/../.."
source_root="$(pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "subproject test: $*" >&2
  exit 1
}

mkdir -p "$tmp/user/subprojects"
cp tests/install/subproject/meson.build tests/install/train_step.cpp "$tmp/user/"
ln -s "$source_root" "$tmp/user/subprojects/chase"
# The CUDA backend is the library's own business; the subproject wiring is the same.
meson setup "$tmp/build" "$tmp/user" --wrap-mode=forcefallback -Dchase:cuda=disabled \
  >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; fail "meson setup failed"; }
grep -q "Dependency chase found: YES .* (overridden)" "$tmp/setup.log" ||
  { cat "$tmp/setup.log"; fail "dependency('chase') did not come from the subproject"; }
# Only the library is built for a user: chase's tests, examples and benchmarks stay out.
targets="$(meson introspect "$tmp/build" --targets)"
for name in tensor_tests chase_tests bench_util gradcheck; do
  if grep -q "\"name\": \"$name\"" <<<"$targets"; then fail "the subproject builds $name"; fi
done
object=train_step.p/train_step.cpp.o
ninja -C "$tmp/build" "$object" >/dev/null || fail "train_step.cpp does not compile against the subproject"
echo "subproject test: dependency('chase') from the subproject; train_step.cpp compiles against it"
if [ "${1:-}" = "--full" ]; then
  ninja -C "$tmp/build" train_step >/dev/null || fail "train_step does not link"
  "$tmp/build/train_step" || fail "train_step built with the subproject did not train"
  echo "subproject test: train_step linked against the subproject's libraries and trained"
fi
