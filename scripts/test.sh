#!/usr/bin/env bash
# Builds chase (if needed) and runs every test suite, then prints one summary
# line "tests: N passed, M failed, K skipped" counted from doctest's own reports
# (the GPU test cases are skipped where no CUDA device is usable).
set -uo pipefail
cd "$(dirname "$0")/.."
[ -d build ] || meson setup build >/dev/null
ninja -C build -j"$(nproc)" || exit 1
meson test -C build --print-errorlogs --num-processes 1
status=$?
awk -F'|' '/\[doctest\] test cases:/ {
  for (i = 1; i <= NF; i++) {
    if ($i ~ /passed/) { split($i, a, " "); passed += a[1] }
    if ($i ~ /failed/) { split($i, a, " "); failed += a[1] }
    if ($i ~ /skipped/) { split($i, a, " "); skipped += a[1] }
  }
} END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }' build/meson-logs/testlog.txt
exit $status
