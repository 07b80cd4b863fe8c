#!/usr/bin/env bash
# The PP-OCR text-direction example, on labelled rendered text lines (make_data.py):
#  1. check the generic ONNX contract end to end with this example's config (model,
#     calibration data, import + simplify, float inference, the full evaluation);
#  2. quantize for esp32p4 and esp32s3 int8 with the reference's baseline setting (kl
#     calibration) and evaluate on all 400 lines: outputs/ppocr_cls_<target>/iter_0/.
# Run scripts/setup.sh first (packages, the pinned model, the build, the data).
# QTUNE_BUILD_DIR picks another build folder (default: build/).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build="${QTUNE_BUILD_DIR:-$root/build}"
qtune="$build/bin/qtune"
contract="$build/contracts/libgeneric_onnx.so"
config="$here/generic_onnx_ppocr_cls.json"
[ -x "$qtune" ] || { echo "run.sh: $qtune not found: run 'bash scripts/setup.sh' first" >&2; exit 2; }
[ -f "$root/.cache/models/ppocr/cls.onnx" ] || bash "$root/scripts/fetch_models.sh"
[ -f "$here/data/eval_labels.npy" ] || /usr/bin/python3 "$here/make_data.py"

"$qtune" check-contract --contract "$contract" --contract-config "$config" --full-eval
for target in esp32p4 esp32s3; do
  "$qtune" iterate --contract "$contract" --contract-config "$config" --baseline --use-full-eval \
    --target "$target" --output-dir "$root/outputs/ppocr_cls_$target/iter_0"
done
echo "artifacts: $root/outputs/ppocr_cls_{esp32p4,esp32s3}/iter_0/"
