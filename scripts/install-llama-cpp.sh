#!/usr/bin/env bash
# Compile and install llama-cpp-python into the given Python environment.
#
#   scripts/install-llama-cpp.sh PYTHON [auto|cpu|vulkan|cuda|metal] [portable]
#
# auto (default): the backend this machine can use (app/core/platform/gpu_probe.py says which and why):
#   NVIDIA GPU with the CUDA toolkit -> cuda; else a Vulkan GPU -> vulkan; macOS -> metal; else cpu.
# cpu: tuned for this machine (-march=native) but without Intel AMX: some virtual machines report
#   AMX in CPUID without enabling it, and llama.cpp's AMX kernels then die with a
#   general-protection fault on the first prompt.
# vulkan / cuda: the CPU as above plus the GPU backend, loaded at run time (GGML_BACKEND_DL), so a
#   machine whose GPU driver goes away still runs on the CPU instead of failing to import. (CMake
#   refuses GGML_NATIVE with GGML_BACKEND_DL, so "native" is asked of the compiler directly.)
# portable: for installers that run on other people's machines: every CPU variant, chosen at run
#   time, instead of -march=native; GPU backends loaded dynamically as above.
#
# A GPU build that fails to compile is replaced by the CPU build, with a message. What was asked
# for, chosen and installed is written to PREFIX/llama-build.json (enclave doctor shows it).
# Built wheels are kept in ~/.cache/enclave-build/wheels (ENCLAVE_BUILD_CACHE), keyed by the
# llama-cpp-python version and everything that shapes the build (flags, compiler, Python, and for
# builds tuned to this machine its CPU), so a second checkout or CI on the same machine installs
# in seconds; anything else compiles from scratch.
# Environment: CMAKE_ARGS (extra CMake options), LLAMA_CUDA_ARCHS (CUDA architectures; default:
# the GPU's own, or common ones for a portable build), LLAMA_CPP_VERSION_SPEC.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:?usage: install-llama-cpp.sh PYTHON [auto|cpu|vulkan|cuda|metal] [portable]}
ASKED=${2:-${ENCLAVE_LLAMA_BUILD:-auto}}
PORTABLE=${3:-}
VERSION_SPEC=${LLAMA_CPP_VERSION_SPEC:-"llama-cpp-python[server]>=0.3.16"}
say() { echo "install-llama-cpp: $*" >&2; }

BACKEND=$ASKED REASON="asked for (LLAMA_BUILD=$ASKED)"
if [ "$ASKED" = auto ]; then
  IFS=$'\t' read -r BACKEND REASON < <(python3 app/core/platform/gpu_probe.py 2>/dev/null || printf 'cpu\tGPU probe failed\n')
fi
case "$BACKEND" in cpu|vulkan|cuda|metal) ;; *) say "unknown backend: $BACKEND"; exit 2 ;; esac
echo "llama.cpp backend: $BACKEND$([ -n "$PORTABLE" ] && echo ' (portable)') — $REASON" >&2

cuda_archs() {
  if [ -n "${LLAMA_CUDA_ARCHS:-}" ]; then echo "$LLAMA_CUDA_ARCHS"; return; fi
  if [ -z "$PORTABLE" ] && command -v nvidia-smi >/dev/null 2>&1; then
    # The installed GPUs' own architectures ("8.9" -> 89): a much shorter compile.
    nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | tr -d . | sort -u \
      | paste -sd ';' && return
  fi
  echo "75-virtual;80-virtual;86-real;89-real;90-virtual"  # Turing to Hopper, PTX for newer
}

# CMake options for one backend.
cmake_args() {
  local backend=$1 args=()
  if [ -n "$PORTABLE" ]; then
    args+=(-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON)
  elif [ "$backend" != cpu ] && [ "$backend" != metal ]; then
    args+=(-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON)
  fi
  case "$backend" in
    vulkan)
      local include
      include=$(scripts/vulkan-build-deps.sh) || return 1
      args+=(-DGGML_VULKAN=on)
      [ -n "$include" ] && args+=("-DVulkan_INCLUDE_DIR=$include")
      ;;
    cuda) args+=(-DGGML_CUDA=on "-DCMAKE_CUDA_ARCHITECTURES=$(cuda_archs)") ;;
    metal) args+=(-DGGML_METAL=on) ;;
  esac
  echo "${args[*]:-}"
}

build() {
  local backend=$1 args started
  args=$(cmake_args "$backend") || return 1
  if [ "$(uname -m)" = x86_64 ] && [ -z "$PORTABLE" ]; then
    local flags="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
    case "$backend" in vulkan|cuda) flags="-march=native $flags" ;; esac
    export CFLAGS="${BASE_CFLAGS:-} $flags" CXXFLAGS="${BASE_CXXFLAGS:-} $flags"
  fi
  export CMAKE_ARGS="${BASE_CMAKE_ARGS:-} $args"
  export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}
  # The source package pip would build now: its version is part of the cache key.
  local fetched sdist version cpu key wheels
  fetched=$(mktemp -d)
  "$PY" -m pip download --quiet --no-deps --no-binary :all: -d "$fetched" "$VERSION_SPEC" \
    || { rm -rf "$fetched"; return 1; }
  sdist=$(ls "$fetched"/llama_cpp_python-*.tar.gz)
  version=${sdist##*/llama_cpp_python-} version=${version%.tar.gz}
  cpu=""
  [ -z "$PORTABLE" ] && cpu=$(grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null || uname -v)
  key=$(printf '%s\n' "$version" "$backend" "$PORTABLE" "$CMAKE_ARGS" "${CFLAGS:-}" \
        "${CXXFLAGS:-}" "$(uname -sm)" "$("$PY" -c 'import sys; print(sys.version)')" \
        "$( (c++ --version || clang++ --version) 2>/dev/null | head -n 1)" "$cpu" \
        | sha256sum | cut -c1-16)
  wheels=$WHEEL_CACHE/$version-$backend${PORTABLE:+-portable}-$key
  if ls "$wheels"/*.whl >/dev/null 2>&1; then
    say "using the $backend build compiled before with the same version and flags ($wheels)"
  else
    say "compiling llama-cpp-python $version ($backend; CMAKE_ARGS=$CMAKE_ARGS) — minutes on 2 cores"
    started=$(date +%s)
    rm -rf "$wheels.partial"
    # --no-cache-dir: pip's own wheel cache ignores build flags and would hand back another flavour.
    "$PY" -m pip wheel --no-cache-dir --no-deps -w "$wheels.partial" "$sdist" \
      || { rm -rf "$fetched" "$wheels.partial"; return 1; }
    mv "$wheels.partial" "$wheels"
    say "compiled the $backend build in $(( $(date +%s) - started )) s"
  fi
  rm -rf "$fetched"
  "$PY" -m pip install --quiet --force-reinstall --no-deps "$wheels"/*.whl
}

BASE_CMAKE_ARGS=${CMAKE_ARGS:-} BASE_CFLAGS=${CFLAGS:-} BASE_CXXFLAGS=${CXXFLAGS:-}
WHEEL_CACHE=${ENCLAVE_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/enclave-build}/wheels
mkdir -p "$WHEEL_CACHE"
INSTALLED=$BACKEND FALLBACK=""
if ! build "$BACKEND"; then
  [ "$BACKEND" = cpu ] && { say "the CPU build failed: see the compiler output above"; exit 1; }
  FALLBACK="the $BACKEND build could not be prepared or compiled (see the install output)"
  echo "llama.cpp backend: $FALLBACK; installing the CPU build instead. Enclave will run on the CPU." >&2
  INSTALLED=cpu
  build cpu || { say "the CPU build failed too: see the compiler output above"; exit 1; }
fi
"$PY" -m pip install --quiet "$VERSION_SPEC"  # its Python dependencies, from wheels

PREFIX=$("$PY" -c 'import sys; print(sys.prefix)')
ASKED="$ASKED" BACKEND="$BACKEND" REASON="$REASON" INSTALLED="$INSTALLED" FALLBACK="$FALLBACK" \
PORTABLE="$PORTABLE" "$PY" - "$PREFIX/llama-build.json" <<'EOF'
import json, os, sys
keys = {"asked": "ASKED", "chosen": "BACKEND", "reason": "REASON", "installed": "INSTALLED",
        "fallback": "FALLBACK"}
record = {k: os.environ[v] for k, v in keys.items()}
record["portable"] = bool(os.environ["PORTABLE"])
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(record, f, indent=2)
EOF
