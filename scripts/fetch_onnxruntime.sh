#!/usr/bin/env bash
# Install the pinned ONNX Runtime for node (npm onnxruntime-node@1.30.0, CPU only) into
# $QTUNE_ORT_PREFIX (default <repo>/.cache/ort, git-ignored) with `npm install --prefix`, then check that its
# bundled CPU libonnxruntime loads and runs a tiny embedded model (Relu on [-1, 0, 2] -> [0, 0, 2]).
# ONNXRUNTIME_NODE_INSTALL=skip: the package's postinstall would otherwise download CUDA/TensorRT binaries;
# the CPU library ships inside the npm tarball (bin/napi-v6/<os>/<arch>/libonnxruntime.so.1).
# Idempotent: when the pinned version is already installed (and the npm integrity pins match) it only re-runs the check.
# Needs: npm, node >= 18. Network: the npm registry (first run only).
set -euo pipefail

ORT_VERSION='1.30.0'
# npm registry integrity (dist.integrity) of the two packages that carry code/binaries we use.
ORT_NODE_INTEGRITY='sha512-twhs1C2C/BFkz1yc5OY0KIU2GUq6DURO7hD4bx5Q2Qy3nAMJwRXW8xU3NVczE29VA9lolLOYepoD8fjTGOfIqw=='
ORT_COMMON_INTEGRITY='sha512-7fdVWjAID1dVhH/G8qK3APARunV4VkBFoCQAP7qp4Wkab0mrorvmc+sqiT+mKXOzDqdjN5j+/Z9nb4gzNPWcyA=='
# sha256 of the bundled CPU library, per platform (checked where known; read indirectly via ${!pin_var}).
# shellcheck disable=SC2034
LIBORT_SHA256_linux_x64='ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23'
# shellcheck disable=SC2034
LIBORT_SHA256_linux_arm64='1f549d46250b005580b597f4164984aaf75b3bcb9f3aeb07c7f8a8fe60b23c76'

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${QTUNE_ORT_PREFIX:-$REPO_ROOT/.cache/ort}"
PKG="$PREFIX/node_modules/onnxruntime-node"

log() { echo "fetch_onnxruntime: $*" >&2; }
die() { echo "fetch_onnxruntime: ERROR: $*" >&2; exit 1; }

command -v node >/dev/null || die "node not found"

installed_version() {
  if [[ -f "$PKG/package.json" ]]; then
    QTUNE_ORT_PKG="$PKG" node -p 'require(process.env.QTUNE_ORT_PKG + "/package.json").version' 2>/dev/null || true
  fi
}

if [[ "$(installed_version)" != "$ORT_VERSION" ]]; then
  command -v npm >/dev/null || die "npm not found"
  mkdir -p "$PREFIX"
  log "installing onnxruntime-node@$ORT_VERSION into $PREFIX (CPU only, ~300 MB unpacked: all platforms' CPU libs)"
  ONNXRUNTIME_NODE_INSTALL=skip npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error \
    "onnxruntime-node@$ORT_VERSION" >&2 || die "npm install onnxruntime-node@$ORT_VERSION failed"
  [[ "$(installed_version)" == "$ORT_VERSION" ]] || die "after install, $PKG is version '$(installed_version)', expected $ORT_VERSION"
else
  log "onnxruntime-node@$ORT_VERSION already installed in $PREFIX"
fi

# integrity pins, as recorded by npm in the prefix's lockfile
LOCK="$PREFIX/node_modules/.package-lock.json"
[[ -f "$LOCK" ]] || LOCK="$PREFIX/package-lock.json"
node - "$LOCK" "$ORT_NODE_INTEGRITY" "$ORT_COMMON_INTEGRITY" <<'JS' || die "npm integrity does not match the pins (delete $PREFIX and re-run)"
const [lock, node, common] = process.argv.slice(2);
const pk = JSON.parse(require('fs').readFileSync(lock, 'utf8')).packages || {};
let ok = true;
for (const [name, want] of [['onnxruntime-node', node], ['onnxruntime-common', common]]) {
  const got = pk['node_modules/' + name]?.integrity;
  if (got !== want) { console.error(`  ${name}: expected ${want}\n  ${' '.repeat(name.length)}  actual   ${got}`); ok = false; }
}
process.exit(ok ? 0 : 1);
JS

# bundled CPU library
plat="$(node -p 'process.platform + "_" + process.arch')"
lib="$PKG/bin/napi-v6/${plat/_//}/libonnxruntime.so.1"
pin_var="LIBORT_SHA256_$plat"
if [[ -n "${!pin_var:-}" ]]; then
  [[ -f "$lib" ]] || die "bundled CPU library missing: $lib"
  got="$(sha256sum "$lib" | cut -d' ' -f1)"
  [[ "$got" == "${!pin_var}" ]] || die "sha256 mismatch for $lib: expected ${!pin_var}, actual $got"
else
  log "note: no sha256 pin for the $plat library; skipping that check"
fi

# load check: a 1-node Relu model (ir 7, opset 13, float[3] -> float[3]) embedded as base64
# shellcheck disable=SC2016
QTUNE_ORT_PKG="$PKG" node -e '
const ort = require(process.env.QTUNE_ORT_PKG);
const model = Buffer.from("CAdCBAoAEA06MwoMCgF4EgF5IgRSZWx1EgFnWg8KAXgSCgoICAESBAoCCANiDwoBeRIKCggIARIECgIIAw==", "base64");
(async () => {
  const s = await ort.InferenceSession.create(model, { executionProviders: ["cpu"], graphOptimizationLevel: "disabled" });
  const r = await s.run({ x: new ort.Tensor("float32", new Float32Array([-1, 0, 2]), [3]) });
  const y = Array.from(r.y.data);
  if (JSON.stringify(y) !== "[0,0,2]") throw new Error("unexpected Relu output " + JSON.stringify(y));
  console.error(`fetch_onnxruntime: ok: onnxruntime-node ${ort.env.versions.node} (common ${ort.env.versions.common}) loads and runs on CPU`);
})().catch((e) => { console.error("fetch_onnxruntime: ERROR: load check failed: " + e.message); process.exit(1); });
'
