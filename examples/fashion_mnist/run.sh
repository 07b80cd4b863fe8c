#!/usr/bin/env bash
# The bundled example's main job: check both Fashion-MNIST contracts end to end (config,
# calibration data, import + simplify, float inference, real evaluation on the 10k test
# set) and the JSON-configured generic contract. Run scripts/setup.sh first.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
qtune="$root/build/bin/qtune"
[ -x "$qtune" ] || { echo "run.sh: $qtune not found: run 'bash scripts/setup.sh' first" >&2; exit 2; }

"$qtune" check-contract --contract "$root/build/contracts/libfashion_mnist_mobilenetv2.so" --full-eval
"$qtune" check-contract --contract "$root/build/contracts/libfashion_mnist_cnn.so"
"$qtune" check-contract --contract "$root/build/contracts/libgeneric_onnx.so" \
  --contract-config "$root/examples/fashion_mnist/generic_onnx_cnn.json"
