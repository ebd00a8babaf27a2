#!/usr/bin/env bash
# Install Enclave for this user (no root): ~/.local/opt/enclave, a menu entry, `enclave` on PATH.
# Run from the unpacked archive. `install.sh --uninstall` removes it again (your conversations and
# models stay in ~/.local/share/Enclave).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
opt=$HOME/.local/opt/enclave
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
icons=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps
bin=$HOME/.local/bin
if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$opt" "$apps/enclave.desktop" "$icons/enclave.png" "$bin/enclave"
  echo "Enclave removed. Your data is still in ~/.local/share/Enclave."
  exit 0
fi
mkdir -p "$apps" "$icons" "$bin" "$(dirname "$opt")"
rm -rf "$opt" && cp -a "$here/enclave" "$opt"
cp "$here/enclave.png" "$icons/enclave.png"
sed "s|^Exec=enclave|Exec=$opt/enclave|" "$here/enclave.desktop" > "$apps/enclave.desktop"
ln -sf "$opt/enclave" "$bin/enclave"
"$opt/enclave" --self-test >/dev/null && echo "Enclave installed in $opt (self-test passed)." \
  || echo "Enclave installed in $opt, but its self-test failed: run '$opt/enclave --self-test'."
