#!/usr/bin/env bash
# Compile and install llama-cpp-python into the given Python environment.
#
#   scripts/install-llama-cpp.sh PYTHON [cpu|cuda|vulkan|metal|portable]
#
# cpu (default): tuned for this machine (-march=native) but without Intel AMX: some virtual
#   machines report AMX in CPUID without enabling it, and llama.cpp's AMX kernels then die with a
#   general-protection fault on the first prompt.
# portable: runtime CPU dispatch, for installers that must run on other people's CPUs.
# cuda / vulkan / metal: GPU offload (needs the CUDA toolkit / Vulkan SDK / Xcode).
# Extra CMake options can be added with CMAKE_ARGS.
set -euo pipefail
PY=${1:?usage: install-llama-cpp.sh PYTHON [cpu|cuda|vulkan|metal|portable]}
FLAVOUR=${2:-${ENCLAVE_LLAMA_BUILD:-cpu}}
VERSION_SPEC=${LLAMA_CPP_VERSION_SPEC:-"llama-cpp-python[server]>=0.3.16"}

args=()
case "$FLAVOUR" in
  cpu) ;;
  cuda) args+=(-DGGML_CUDA=on) ;;
  vulkan) args+=(-DGGML_VULKAN=on) ;;
  metal) args+=(-DGGML_METAL=on) ;;
  portable) args+=(-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON) ;;
  *) echo "unknown build flavour: $FLAVOUR" >&2; exit 2 ;;
esac
if [ "$(uname -m)" = x86_64 ] && [ "$FLAVOUR" != portable ]; then
  export CFLAGS="${CFLAGS:-} -mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  export CXXFLAGS="${CXXFLAGS:-} -mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
fi
export CMAKE_ARGS="${CMAKE_ARGS:-} ${args[*]:-}"
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}
echo "Compiling llama-cpp-python ($FLAVOUR; CMAKE_ARGS=$CMAKE_ARGS) — a few minutes on 2 cores." >&2
# --no-cache-dir: pip's wheel cache ignores build flags and would hand back another flavour.
"$PY" -m pip install --no-cache-dir --force-reinstall --no-deps "$VERSION_SPEC"
"$PY" -m pip install "$VERSION_SPEC"  # its Python dependencies, from wheels
