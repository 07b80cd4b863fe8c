#!/usr/bin/env bash
# Analyser wall and CPU time, and suffix replay against the naive whole-graph-per-op
# layerwise in the same process (tests/bench/analysers_bench.cpp).
#
#   bash tests/bench/run_analyser_bench.sh            (from the repository root)
#
# Cases: the Fashion-MNIST MobileNetV2-style net (its contract), PP-OCR cls and PP-OCRv4 det
# (the parity cases esp-ppq's timings.json come from) at 1 and 2 threads, and synthetic
# Conv chains of 8, 16, 32 and 64 blocks (how the cost grows with the number of ops).
# Environment: BUILD_DIR (default build), THREADS (default "1 2"), CASES, CHAINS ("" = none), REPEAT
# (default 1), OUT (default a temp file). One JSON line per run goes to $OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
THREADS=${THREADS:-"1 2"}
CASES=${CASES-"mobilenetv2 cls det"}
CHAINS=${CHAINS-"8 16 32 64"}
REPEAT=${REPEAT:-1}
OUT=${OUT:-$(mktemp --suffix=.jsonl)}
BENCH="$BUILD_DIR/bin/qtune_bench_analysers"

[[ -x "$BENCH" ]] || ninja -C "$BUILD_DIR" qtune_bench_analysers
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {
  local text
  text=$(QTUNE_PLUGIN_PATH= "$BENCH" "$@")
  echo "$text"
  echo "$text" | tail -1 >> "$OUT"
}
for case in $CASES; do
  for t in $THREADS; do run --case "$case" --threads "$t" --repeat "$REPEAT"; done
done
for n in $CHAINS; do run --case "chain$n" --threads 2 --repeat "$REPEAT"; done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results: $OUT"
