#!/usr/bin/env bash
# Wall time per stage of one baseline iteration (`qtune iterate --baseline`: every stage
# its iteration_index.json lists in stage_seconds — import, prequantize, quantize,
# calibrate (kl), passes, evaluate, and whatever later stages the iteration has, e.g.
# export and analyse — plus each analyser's share from console output), timed CLI runs.
#
#   bash tests/bench/run_iterate_bench.sh            (from the repository root)
#
# Cases:
#  - mobilenetv2: the Fashion-MNIST MobileNetV2-style net through its contract
#    (libfashion_mnist_mobilenetv2.so: kl over 32 batches of 32 training images,
#    evaluate_fast = 1000 test images);
#  - ppocr_cls, ppocr_det: the esp-ppq parity cases (tests/fixtures/parity) through the
#    generic contract with esp-ppq's exact calibration: PP-OCR cls `cls_fixed.onnx`, 8
#    batches of 4 at 3x48x192; PP-OCRv4 det (pinned model, dynamic dims resolved from
#    input_shape), 8 batches of 2 at 3x224x320. Their evaluation is `snr` of the int8 output
#    against the float model's on the same samples (made first with `qtune infer`); the
#    configs are written into $OUT_DIR/configs/ with absolute paths.
# Each case runs ROUNDS times per thread count, one process at a time, pinned with taskset
# to the first N cores (TBB sizes its pool from the affinity mask). The table is the median
# over rounds of each stage's `stage_seconds` (iteration_index.json), of their sum up to
# the evaluation ("quantize total", what esp-ppq's timings.json calls quantize_s) and of
# the whole process's wall and CPU (user + sys) time, start-up and plugin loading included.
# On a shared machine the CPU time of the 1-thread runs is the steadier figure.
#
# Environment: BUILD_DIR (default build), ROUNDS (default 5), THREADS (default "1 2"),
# OUT_DIR (default a temp dir), CASES (default "mobilenetv2 ppocr_cls ppocr_det"),
# NO_ANALYSE=1 (pass --no-analyse: time the quantization without the analysers).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
BUILD_DIR=$(cd "${BUILD_DIR:-build}" && pwd)
ROUNDS=${ROUNDS:-5}
THREADS=${THREADS:-"1 2"}
CASES=${CASES:-"mobilenetv2 ppocr_cls ppocr_det"}
EXTRA_ARGS=()
[[ "${NO_ANALYSE:-0}" == 1 ]] && EXTRA_ARGS+=(--no-analyse)
OUT_DIR=${OUT_DIR:-$(mktemp -d)}
mkdir -p "$OUT_DIR/configs" "$OUT_DIR/ref"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
QTUNE="$BUILD_DIR/bin/qtune"
PARITY="$root/tests/fixtures/parity"
DET_MODEL=$(cd "$root" && realpath -m "${QTUNE_MODEL_CACHE:-.cache/models}/ppocr/det.onnx")

[[ -x "$QTUNE" ]] || { echo "run_iterate_bench: $QTUNE not built" >&2; exit 2; }
[[ -f "$DET_MODEL" ]] || bash scripts/fetch_models.sh

# generic_config NAME MODEL CALIB SHAPE BATCH REFERENCE: a parity case's generic contract config.
generic_config() {
  cat > "$OUT_DIR/configs/$1.json" <<EOF
{
  "quant_config": {"model": "$2", "model_name": "$1", "input_shape": $4, "batch_size": $5,
                   "calib_steps": 8, "target": "esp32p4", "num_of_bits": 8},
  "calibration": "$3",
  "evaluation": {"inputs": "$3", "reference_outputs": "$6", "metric": "snr", "fast_samples": 1000}
}
EOF
}
for c in $CASES; do
  case $c in
    ppocr_cls)
      "$QTUNE" infer --model "$PARITY/ppocr_cls/cls_fixed.onnx" --input "$PARITY/ppocr_cls/calib.npy" \
        --output-dir "$OUT_DIR/ref/ppocr_cls" > "$OUT_DIR/ref/ppocr_cls.log" 2>&1
      generic_config ppocr_cls "$PARITY/ppocr_cls/cls_fixed.onnx" "$PARITY/ppocr_cls/calib.npy" "[1, 3, 48, 192]" 4 \
        "$OUT_DIR/ref/ppocr_cls/softmax_0.tmp_0.npy" ;;
    ppocr_det)
      "$QTUNE" infer --model "$DET_MODEL" --input "$PARITY/ppocr_det/calib.npy" \
        --output-dir "$OUT_DIR/ref/ppocr_det" > "$OUT_DIR/ref/ppocr_det.log" 2>&1
      generic_config ppocr_det "$DET_MODEL" "$PARITY/ppocr_det/calib.npy" "[1, 3, 224, 320]" 2 \
        "$OUT_DIR/ref/ppocr_det/sigmoid_0.tmp_0.npy" ;;
  esac
done

contract_args() {
  case $1 in
    mobilenetv2) echo "--contract $BUILD_DIR/contracts/libfashion_mnist_mobilenetv2.so" ;;
    *) echo "--contract $BUILD_DIR/contracts/libgeneric_onnx.so --contract-config $OUT_DIR/configs/$1.json" ;;
  esac
}

RAW="$OUT_DIR/raw.jsonl"
: > "$RAW"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for c in $CASES; do
  for threads in $THREADS; do
    cpus=$(seq -s, 0 $((threads - 1)))
    for ((r = 1; r <= ROUNDS; r++)); do
      out="$OUT_DIR/runs/$c/t$threads/r$r"
      rm -rf "$out"
      mkdir -p "$(dirname "$out")"
      echo "[$c threads $threads round $r/$ROUNDS]" >&2
      t0=$(date +%s.%N)
      # bash's `time` keyword: user and sys CPU seconds of the process (and its threads).
      # shellcheck disable=SC2046
      { TIMEFORMAT='%U %S'; time taskset -c "$cpus" "$QTUNE" iterate $(contract_args "$c") --baseline \
          "${EXTRA_ARGS[@]}" --output-dir "$out" > "$out.log" 2>&1; } 2> "$out.cpu" ||
        { echo "run_iterate_bench: $c failed, see $out.log" >&2; exit 1; }
      t1=$(date +%s.%N)
      python3 - "$out/iteration_index.json" "$out/metrics.json" "$c" "$threads" "$t0" "$t1" "$out.cpu" "$out.log" \
        >> "$RAW" <<'PY'
import json, re, sys
idx, met = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
user, system = (float(x) for x in open(sys.argv[7]).read().split())
# "[   3.63 s] analyser layerwise -> ..." lines: each analyser's share of the analyse stage.
analysers = {m.group(2): float(m.group(1)) for m in re.finditer(r"\[\s*([0-9.]+) s\] analyser (\w+)", open(sys.argv[8]).read())}
print(json.dumps({"case": sys.argv[3], "threads": int(sys.argv[4]), "process_s": float(sys.argv[6]) - float(sys.argv[5]),
                  "cpu_s": user + system, "stages": idx["stage_seconds"], "analysers": analysers,
                  "metric": met["_primary_key"], "value": met["_primary_value"]}))
PY
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "raw results: $RAW" >&2

python3 - "$RAW" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
stages = []  # every stage_seconds key, in the order iterations write them
for r in rows:
    stages += [k for k in r["stages"] if k not in stages]
before_eval = stages[:stages.index("evaluate")] if "evaluate" in stages else stages
cells = {}
for r in rows:
    cells.setdefault((r["case"], r["threads"]), []).append(r)
med = lambda xs: statistics.median(list(xs))
# "quantize total" = every stage before evaluate: what esp-ppq's espdl_quantize_onnx does
# (parse, format, quantize, calibrate, align; no evaluation, no export).
print("| case | threads | " + " | ".join(stages) + " | quantize total | process wall | process CPU | metric |")
print("|---|---:|" + "---:|" * (len(stages) + 3) + "---|")
for (case, threads), rs in cells.items():
    cols = [med(r["stages"].get(s, 0.0) for r in rs) for s in stages]
    upto = med(sum(r["stages"].get(s, 0.0) for s in before_eval) for r in rs)
    metric = f'{rs[0]["metric"]} {med(r["value"] for r in rs):.2f}'
    print(f"| {case} | {threads} | " + " | ".join(f"{c:.3f}" for c in cols) +
          f" | {upto:.3f} | {med(r['process_s'] for r in rs):.3f} | {med(r['cpu_s'] for r in rs):.3f} | {metric} |")
names = []
for r in rows:
    names += [k for k in r.get("analysers", {}) if k not in names]
if names:
    print()
    print("| case | threads | " + " | ".join(f"analyser {n}" for n in names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for (case, threads), rs in cells.items():
        print(f"| {case} | {threads} | " + " | ".join(f'{med(r.get("analysers", {}).get(n, 0.0) for r in rs):.3f}'
                                                  for n in names) + " |")
PY
