#!/usr/bin/env bash
# The bundled example's main job, on real data (Fashion-MNIST 10k test set):
#  1. check both contracts end to end (config, calibration data, import + simplify,
#     float inference, the full evaluation) and the JSON-configured generic contract;
#  2. quantize each model for esp32p4 int8 with the reference's baseline setting (kl
#     calibration) and evaluate it on the full test set: outputs/<model>/iter_0/;
#  3. the search: `qtune run` (strategy phased-linear) on the MobileNetV2-style net with
#     the float top-1 (89.21) as target, ITERATIONS (default 6) iterations:
#     outputs/fashion_mnist_mobilenetv2_search/ (final_report.md, best/model.espdl).
# Run scripts/setup.sh first.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
qtune="$root/build/bin/qtune"
[ -x "$qtune" ] || { echo "run.sh: $qtune not found: run 'bash scripts/setup.sh' first" >&2; exit 2; }

for model in mobilenetv2 cnn; do
  "$qtune" check-contract --contract "$root/build/contracts/libfashion_mnist_$model.so" --full-eval
done
"$qtune" check-contract --contract "$root/build/contracts/libgeneric_onnx.so" \
  --contract-config "$root/examples/fashion_mnist/generic_onnx_cnn.json"

for model in mobilenetv2 cnn; do
  "$qtune" iterate --contract "$root/build/contracts/libfashion_mnist_$model.so" --baseline \
    --use-full-eval --output-dir "$root/outputs/fashion_mnist_$model/iter_0"
done

"$qtune" run --contract "$root/build/contracts/libfashion_mnist_mobilenetv2.so" \
  --output-dir "$root/outputs/fashion_mnist_mobilenetv2_search" --target 89.21 --iterations "${ITERATIONS:-6}"
echo "artifacts: $root/outputs/fashion_mnist_{mobilenetv2,cnn}/iter_0/"
echo "search:    $root/outputs/fashion_mnist_mobilenetv2_search/final_report.md"
