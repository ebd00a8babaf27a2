#!/usr/bin/env bash
# dist/enclave/ → dist/Enclave-VERSION-ARCH.AppImage. Needs appimagetool on PATH
# (https://github.com/AppImage/appimagetool); build on the oldest distribution you support, since
# the bundle uses that system's glibc.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=${1:?version}
APPDIR=dist/Enclave.AppDir
rm -rf "$APPDIR" && mkdir -p "$APPDIR/usr/lib"
cp -a dist/enclave "$APPDIR/usr/lib/enclave"
cp packaging/linux/enclave.desktop packaging/linux/enclave.png "$APPDIR/"
cat > "$APPDIR/AppRun" <<'RUN'
#!/bin/sh
exec "$(dirname "$(readlink -f "$0")")/usr/lib/enclave/enclave" "$@"
RUN
chmod +x "$APPDIR/AppRun"
ARCH=$(uname -m) appimagetool "$APPDIR" "dist/Enclave-$VERSION-$(uname -m).AppImage"
