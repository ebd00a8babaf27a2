#!/usr/bin/env bash
# What compiling llama.cpp's Vulkan backend needs: the Vulkan loader and its development link,
# headers new enough for the vendored llama.cpp, SPIR-V headers, and the glslc shader compiler.
#
#   scripts/vulkan-build-deps.sh      prints the include folder to pass to CMake (empty: the
#                                     system's headers will do); exits 1 with the reason if the
#                                     build cannot be prepared here.
#
# Debian 12's headers (1.3.239) lack VK_EXT_layer_settings, which llama.cpp uses unguarded. Then
# Debian 13's libvulkan-dev is fetched through a private apt configuration (the system's own
# sources, with the suite "trixie"; the system's package lists are not touched) and unpacked into
# a cache folder; nothing is installed from it.
set -euo pipefail
CACHE=${ENCLAVE_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/enclave-build}
say() { echo "vulkan-build-deps: $*" >&2; }

new_enough() { grep -q VK_EXT_layer_settings "$1/vulkan/vulkan_core.h" 2>/dev/null; }

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in libvulkan1 libvulkan-dev glslc spirv-headers; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    say "installing ${missing[*]}"
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        --no-install-recommends "${missing[@]}"; } >&2 || { say "could not install ${missing[*]}"; exit 1; }
  fi
fi
command -v glslc >/dev/null 2>&1 || [ -x "${VULKAN_SDK:-/nonexistent}/bin/glslc" ] \
  || { say "glslc (the shader compiler) is missing: install glslc or the Vulkan SDK"; exit 1; }

system_include=/usr/include
[ -n "${VULKAN_SDK:-}" ] && system_include=$VULKAN_SDK/include
if new_enough "$system_include"; then
  exit 0  # the system's headers will do
fi

headers=$CACHE/vulkan-headers
if new_enough "$headers/usr/include"; then
  echo "$headers/usr/include"
  exit 0
fi
if ! [ -r /etc/os-release ] || ! grep -q '^ID=debian' /etc/os-release; then
  say "the Vulkan headers in $system_include are too old for llama.cpp (VK_EXT_layer_settings is" \
      "missing): install the Vulkan SDK and set VULKAN_SDK"
  exit 1
fi
# The system's own Debian mirror, asked for the next release's package.
mirror=$( { grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null || true;
            grep -h '^deb ' /etc/apt/sources.list 2>/dev/null || true; } \
          | awk '$1 == "URIs:" {print $2} $1 == "deb" {print $2}' | grep -v security | head -n 1 || true)
[ -n "$mirror" ] || { say "no Debian mirror in the apt sources"; exit 1; }
apt_dir=$CACHE/apt-trixie
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$headers"
echo "deb $mirror trixie main" > "$apt_dir/sources.list"
opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
say "fetching newer Vulkan headers (Debian 13's libvulkan-dev) into $headers"
(cd "$apt_dir" && apt-get -qq "${opts[@]}" update >&2 && rm -f ./*.deb \
   && apt-get -qq "${opts[@]}" download libvulkan-dev >&2) \
  || { say "could not fetch Debian 13's libvulkan-dev"; exit 1; }
dpkg -x "$apt_dir"/libvulkan-dev_*.deb "$headers"
new_enough "$headers/usr/include" || { say "the fetched headers are not new enough either"; exit 1; }
echo "$headers/usr/include"
