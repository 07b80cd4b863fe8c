#!/usr/bin/env bash
# TQT wall time with the default schedule (500 Adam steps per block, block_size 4, lr 1e-5),
# per block and in total, through `qtune iterate` pinned to one core (taskset; TBB then runs
# one thread), as esp-ppq's reference figure was taken (one core).
#
#   bash tests/bench/run_tqt_bench.sh            (from the repository root)
#
# Cases: the Fashion-MNIST MobileNetV2-style net through its contract (32 calibration batches
# of 32 images), and the PP-OCR cls parity case (tests/bench/ppocr_cls_parity_contract.json:
# cls_fixed.onnx, 8 batches of 4 from the parity calib.npy, esp32p4: what esp-ppq ran).
# Per block = data collection + loss before + 500 steps + loss after (the pass's own
# "tqt block k/N ...; X s" log lines); total = the pass's wall time ("pass tqt_optimization
# done"). Environment: BUILD_DIR (default build), OUT_DIR (default a temp dir), CORE (default 0),
# PPOCR_CONFIG (another contract config for the same parity case, e.g. without the eval set),
# CASES (default "fashion_mobilenetv2 ppocr_cls_parity").
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
OUT_DIR=${OUT_DIR:-$(mktemp -d)}
CORE=${CORE:-0}
PPOCR_CONFIG=${PPOCR_CONFIG:-tests/bench/ppocr_cls_parity_contract.json}
CASES=${CASES:-"fashion_mobilenetv2 ppocr_cls_parity"}
mkdir -p "$OUT_DIR"
QTUNE="$BUILD_DIR/bin/qtune"
[[ -x "$QTUNE" ]] || { echo "run_tqt_bench.sh: $QTUNE not built" >&2; exit 2; }
SETTING="$OUT_DIR/tqt_setting.json"
cat > "$SETTING" <<'JSON'
{"calib_algorithm": "kl", "tqt_optimization": {"enabled": true, "lr": 1e-05, "steps": 500, "block_size": 4,
 "is_scale_trainable": true, "gamma": 0.0, "int_lambda": 0.0, "collecting_device": "cuda"}}
JSON

run_case() {  # name, contract, extra args...
  local name=$1 contract=$2
  shift 2
  local dir="$OUT_DIR/$name"
  rm -rf "$dir"
  /usr/bin/time -f "%e %U %S" -o "$OUT_DIR/$name.time" taskset -c "$CORE" "$QTUNE" iterate --contract "$contract" "$@" \
    --setting "$SETTING" --no-analyse --plugin-dir "$BUILD_DIR/plugins" --output-dir "$dir" > "$OUT_DIR/$name.log" 2>&1
  local log="$dir/console.log"
  local total
  total=$(grep -E "pass tqt_optimization done" "$log" | sed -E 's/^\[ *([0-9.]+) s\].*/\1/')
  # Per-block seconds: the last field of each "tqt block k/N [..]: ...; X s" line.
  grep -E "^tqt block [0-9]+/[0-9]+ \[[^]]*\]: " "$log" | sed -E 's/.*; ([0-9.]+) s$/\1/' > "$OUT_DIR/$name.blocks"
  awk -v name="$name" -v total="$total" -v time="$(cat "$OUT_DIR/$name.time")" '
    { s += $1; n += 1; if (n == 1 || $1 < mn) mn = $1; if ($1 > mx) mx = $1 }
    END { split(time, t, " ");
          printf "| %s | %d | %.2f | %.3f | %.3f | %.3f | %.1f | %.1f |\n", name, n, total, s / n, mn, mx, t[1], t[2] + t[3] }' \
    "$OUT_DIR/$name.blocks"
  grep -E "tqt_optimization: [0-9]+ block" "$log" | sed 's/^ */    /' >&2
}

echo "| case | blocks | TQT pass s | mean s/block | min | max | iterate wall s | iterate CPU s |"
echo "|---|---|---|---|---|---|---|---|"
for c in $CASES; do
  case $c in
    fashion_mobilenetv2) run_case "$c" "$BUILD_DIR/contracts/libfashion_mnist_mobilenetv2.so" ;;
    ppocr_cls_parity) run_case "$c" "$BUILD_DIR/contracts/libgeneric_onnx.so" --contract-config "$PPOCR_CONFIG" ;;
    *) echo "run_tqt_bench.sh: unknown case '$c'" >&2; exit 2 ;;
  esac
done
echo "logs: $OUT_DIR" >&2
