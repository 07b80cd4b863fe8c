#!/usr/bin/env bash
# Float forward time per image: qtune's executor against ONNX Runtime in the same run.
#
#   bash tests/bench/run_float_bench.sh            (from the repository root)
#
# Models: the Fashion-MNIST MobileNetV2-style net (1x32x32) and PP-OCRv4 det (3x224x320, the
# size of the parity case); batch 1 and 32; 1 and 2 threads (qtune: tbb::global_control,
# ORT: intraOpNumThreads, interOpNumThreads 1). ORT runs with its default full graph
# optimisation ('all'), which is what a user would compare against.
# The two engines alternate (qtune, ORT, qtune, ORT, ... ROUNDS times per cell); each
# process does its own warm-up and ITERS timed runs and reports the median; the table shows
# the median over rounds. Raw JSON lines go to $OUT_DIR/raw.jsonl.
#
# Environment: BUILD_DIR (default build), ROUNDS (default 3), OUT_DIR (default a temp dir),
# THREADS (default "1 2"), BATCHES (default "1 32"), PROFILE=1 adds a per-op-type qtune
# profile per cell (raw.jsonl, "profile").
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-"1 2"}
BATCHES=${BATCHES:-"1 32"}
OUT_DIR=${OUT_DIR:-$(mktemp -d)}
QTUNE_BENCH="$BUILD_DIR/bin/qtune_bench_forward"
ORT_BENCH="tests/fixtures/tools/ort_bench.mjs"
DET_MODEL=${QTUNE_MODEL_CACHE:-.cache/models}/ppocr/det.onnx

[[ -x "$QTUNE_BENCH" ]] || ninja -C "$BUILD_DIR" qtune_bench_forward
[[ -f "$DET_MODEL" ]] || bash scripts/fetch_models.sh
[[ -d .cache/ort/node_modules/onnxruntime-node ]] || bash scripts/fetch_onnxruntime.sh

# name | model | one sample's input shape | timed iterations at batch 1 | at batch 32
CASES=(
  "mobilenetv2|examples/fashion_mnist/models/fashion_mobilenetv2.onnx|1,1,32,32|50|10"
  "ppocr_det|$DET_MODEL|1,3,224,320|10|2"
)

RAW="$OUT_DIR/raw.jsonl"
: > "$RAW"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for c in "${CASES[@]}"; do
  IFS='|' read -r name model shape iters1 iters32 <<< "$c"
  for threads in $THREADS; do
    for batch in $BATCHES; do
      iters=$([[ "$batch" == 1 ]] && echo "$iters1" || echo "$iters32")
      for ((r = 1; r <= ROUNDS; r++)); do
        echo "[$name batch $batch threads $threads round $r/$ROUNDS]" >&2
        prof=()
        [[ "${PROFILE:-0}" == 1 && $r == 1 ]] && prof=(--profile)
        "$QTUNE_BENCH" --model "$model" --input-shape "$shape" --batch "$batch" --threads "$threads" \
          --warmup 2 --iters "$iters" "${prof[@]}" | sed "s/^{/{\"engine\": \"qtune\", \"case\": \"$name\", /" >> "$RAW"
        node "$ORT_BENCH" --model "$model" --input-shape "$shape" --batch "$batch" --threads "$threads" \
          --warmup 2 --iters "$iters" --opt-level all | sed "s/^{/{\"engine\":\"ort\",\"case\":\"$name\",/" >> "$RAW"
      done
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "raw results: $RAW" >&2

python3 - "$RAW" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cells = {}
for r in rows:
    cells.setdefault((r["case"], r["batch"], r["threads"]), {}).setdefault(r["engine"], []).append(r["ms_per_image"])
ort_version = next((r["ort_version"] for r in rows if r["engine"] == "ort"), "?")
print(f"| model | batch | threads | qtune ms/img | ORT {ort_version} ('all') ms/img | ratio qtune/ORT |")
print("|---|---:|---:|---:|---:|---:|")
for (case, batch, threads), e in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1])):
    q, o = statistics.median(e["qtune"]), statistics.median(e["ort"])
    print(f"| {case} | {batch} | {threads} | {q:.3f} | {o:.3f} | {q / o:.2f} |")
PY
