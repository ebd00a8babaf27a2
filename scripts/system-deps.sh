#!/usr/bin/env bash
# Install the system packages Enclave needs, where apt is available and they are missing.
#   build: compilers for llama.cpp and the libraries Qt loads.
#   test:  also a virtual X screen for screenshots, strace for the network tests, and a real
#          Vulkan device without a GPU (Mesa's lavapipe, a conformant Vulkan driver that runs on
#          the CPU) for the GPU tests.
set -euo pipefail
what=${1:-build}
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: no apt-get here; install a C/C++ compiler and cmake yourself." >&2
  exit 0
fi
pkgs=(build-essential cmake libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
      libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
      libxcb-shape0 libxcb-randr0 libxcb-xinerama0 fonts-dejavu-core)
if [ "$what" = test ]; then
  pkgs+=(xvfb xauth gnome-keyring dbus-user-session)  # a real OS keyring (Secret Service)
  pkgs+=(strace)  # the network tests watch native code's system calls too
  pkgs+=(libvulkan1 mesa-vulkan-drivers vulkan-tools)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "system-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
