#!/usr/bin/env bash
# Install Enclave for this user (no root): ~/.local/opt/enclave, a menu entry, `enclave` on PATH.
# Run from the unpacked archive; running it again upgrades (the old files are replaced whole).
#   install.sh --uninstall                 remove Enclave; conversations, settings and models stay
#   install.sh --uninstall --remove-data   remove them too
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
share=${XDG_DATA_HOME:-$HOME/.local/share}
opt=$HOME/.local/opt/enclave
apps=$share/applications
icons=$share/icons/hicolor/256x256/apps
bin=$HOME/.local/bin
# Where Enclave keeps your things (the XDG folders platformdirs picks for "Enclave").
data_folders=("${XDG_CONFIG_HOME:-$HOME/.config}/Enclave" "$share/Enclave"
              "${XDG_CACHE_HOME:-$HOME/.cache}/Enclave" "${XDG_STATE_HOME:-$HOME/.local/state}/Enclave")
if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$opt" "$apps/enclave.desktop" "$icons/enclave.png" "$bin/enclave"
  if [ "${2:-}" = "--remove-data" ]; then
    rm -rf "${data_folders[@]}"
    echo "Enclave and its data (conversations, settings, models, logs) removed."
  else
    echo "Enclave removed. Your conversations, settings, models and logs are kept in:"
    printf '  %s\n' "${data_folders[@]}"
    echo "Remove them with: $0 --uninstall --remove-data"
  fi
  exit 0
fi
mkdir -p "$apps" "$icons" "$bin" "$(dirname "$opt")"
# Replace the old version whole: llama.cpp loads every ggml-* library in its folder, and an old
# version's would be loaded against the new ggml-base.
rm -rf "$opt" && cp -a "$here/enclave" "$opt"
cp "$here/enclave.png" "$icons/enclave.png"
# The path quoted as the desktop entry specification asks (a home folder may contain spaces);
# inside the quotes \ " ` $ are escaped and % doubled, then sed's own & \ | are escaped.
exec_path=$(printf '%s' "$opt/enclave" | sed -e 's/[\\"`$]/\\&/g' -e 's/%/%%/g' \
            -e 's/[\\&|]/\\&/g')
sed "s|^Exec=enclave|Exec=\"$exec_path\"|" "$here/enclave.desktop" > "$apps/enclave.desktop"
ln -sf "$opt/enclave" "$bin/enclave"
if "$opt/enclave" --self-test --scratch >/dev/null; then
  echo "Enclave installed in $opt (self-test passed)."
else
  echo "Enclave installed in $opt, but its self-test failed: run '$opt/enclave --self-test'." >&2
  exit 1
fi
