"""Header-only GGUF files with the real shape of mixture-of-experts models.

The metadata keys, tensor names and dimensions are llama.cpp's for each architecture; the data is
not written: the file is extended to its full size as a sparse file (a few MB on disk), so its size,
tensor table and offsets are those of the real model while reading it costs nothing.
"""

from __future__ import annotations

import gguf_build as gb

F32, F16, Q8_0, Q4_K, Q6_K, BF16, MXFP4 = 0, 1, 8, 12, 14, 30, 39
_BLOCK = {F32: (1, 4), F16: (1, 2), Q8_0: (32, 34), Q4_K: (256, 144), Q6_K: (256, 210)}
_BLOCK |= {BF16: (1, 2), MXFP4: (32, 17)}


def _nbytes(dims, kind) -> int:
    per, size = _BLOCK[kind]
    count = 1
    for d in dims:
        count *= d
    return count // per * size


def _layout(tensors):
    """(name, dims, type) -> (name, dims, type, offset), each aligned to 32 bytes; data size."""
    out, offset = [], 0
    for name, dims, kind in tensors:
        out.append((name, dims, kind, offset))
        offset += _nbytes(dims, kind)
        offset += -offset % 32
    return out, offset


def gpt_oss_20b():
    """openai/gpt-oss-20b as llama.cpp converts it: 24 blocks, 32 experts (4 used per token),
    experts in MXFP4, embedding 2880, 64 query heads and 8 KV heads of 64, vocabulary 201,088."""
    arch, n_embd, n_ff, n_exp, vocab, blocks = "gpt-oss", 2880, 2880, 32, 201088, 24
    meta = {
        "general.architecture": (gb.STRING, arch),
        "general.name": (gb.STRING, "Gpt Oss 20b"),
        "general.license": (gb.STRING, "apache-2.0"),
        "general.file_type": (gb.U32, 38),  # MXFP4_MOE
        f"{arch}.block_count": (gb.U32, blocks),
        f"{arch}.context_length": (gb.U32, 131072),
        f"{arch}.embedding_length": (gb.U32, n_embd),
        f"{arch}.feed_forward_length": (gb.U32, n_ff),
        f"{arch}.attention.head_count": (gb.U32, 64),
        f"{arch}.attention.head_count_kv": (gb.U32, 8),
        f"{arch}.attention.key_length": (gb.U32, 64),
        f"{arch}.attention.value_length": (gb.U32, 64),
        f"{arch}.attention.sliding_window": (gb.U32, 128),
        f"{arch}.expert_count": (gb.U32, n_exp),
        f"{arch}.expert_used_count": (gb.U32, 4),
        f"{arch}.expert_feed_forward_length": (gb.U32, n_ff),
        f"{arch}.vocab_size": (gb.U32, vocab),
    }
    tensors = [("token_embd.weight", [n_embd, vocab], Q8_0)]
    for i in range(blocks):
        b = f"blk.{i}"
        tensors += [
            (f"{b}.attn_norm.weight", [n_embd], F32),
            (f"{b}.attn_q.weight", [n_embd, 4096], BF16),
            (f"{b}.attn_q.bias", [4096], F32),
            (f"{b}.attn_k.weight", [n_embd, 512], BF16),
            (f"{b}.attn_k.bias", [512], F32),
            (f"{b}.attn_v.weight", [n_embd, 512], BF16),
            (f"{b}.attn_v.bias", [512], F32),
            (f"{b}.attn_output.weight", [4096, n_embd], BF16),
            (f"{b}.attn_output.bias", [n_embd], F32),
            (f"{b}.attn_sinks.weight", [64], F32),
            (f"{b}.post_attention_norm.weight", [n_embd], F32),
            (f"{b}.ffn_gate_inp.weight", [n_embd, n_exp], F32),
            (f"{b}.ffn_gate_inp.bias", [n_exp], F32),
            (f"{b}.ffn_gate_exps.weight", [n_embd, n_ff, n_exp], MXFP4),
            (f"{b}.ffn_gate_exps.bias", [n_ff, n_exp], F32),
            (f"{b}.ffn_up_exps.weight", [n_embd, n_ff, n_exp], MXFP4),
            (f"{b}.ffn_up_exps.bias", [n_ff, n_exp], F32),
            (f"{b}.ffn_down_exps.weight", [n_ff, n_embd, n_exp], MXFP4),
            (f"{b}.ffn_down_exps.bias", [n_embd, n_exp], F32),
        ]
    tensors += [("output_norm.weight", [n_embd], F32), ("output.weight", [n_embd, vocab], Q8_0)]
    return meta, tensors


def qwen3_moe_30b_a3b():
    """Qwen3-30B-A3B as llama.cpp converts it (qwen3moe): 48 blocks, 128 experts (8 used),
    embedding 2048, expert FFN 768, 32 query heads and 4 KV heads of 128; Q4_K_M-like types."""
    arch, n_embd, n_ff, n_exp, vocab, blocks = "qwen3moe", 2048, 768, 128, 151936, 48
    meta = {
        "general.architecture": (gb.STRING, arch),
        "general.name": (gb.STRING, "Qwen3 30B A3B"),
        "general.license": (gb.STRING, "apache-2.0"),
        "general.file_type": (gb.U32, 15),  # Q4_K_M
        f"{arch}.block_count": (gb.U32, blocks),
        f"{arch}.context_length": (gb.U32, 40960),
        f"{arch}.embedding_length": (gb.U32, n_embd),
        f"{arch}.feed_forward_length": (gb.U32, 6144),
        f"{arch}.attention.head_count": (gb.U32, 32),
        f"{arch}.attention.head_count_kv": (gb.U32, 4),
        f"{arch}.attention.key_length": (gb.U32, 128),
        f"{arch}.attention.value_length": (gb.U32, 128),
        f"{arch}.expert_count": (gb.U32, n_exp),
        f"{arch}.expert_used_count": (gb.U32, 8),
        f"{arch}.expert_feed_forward_length": (gb.U32, n_ff),
        f"{arch}.vocab_size": (gb.U32, vocab),
    }
    tensors = [("token_embd.weight", [n_embd, vocab], Q4_K)]
    for i in range(blocks):
        b = f"blk.{i}"
        tensors += [
            (f"{b}.attn_norm.weight", [n_embd], F32),
            (f"{b}.attn_q.weight", [n_embd, 4096], Q4_K),
            (f"{b}.attn_k.weight", [n_embd, 512], Q4_K),
            (f"{b}.attn_v.weight", [n_embd, 512], Q6_K),
            (f"{b}.attn_output.weight", [4096, n_embd], Q4_K),
            (f"{b}.attn_q_norm.weight", [128], F32),
            (f"{b}.attn_k_norm.weight", [128], F32),
            (f"{b}.ffn_norm.weight", [n_embd], F32),
            (f"{b}.ffn_gate_inp.weight", [n_embd, n_exp], F32),
            (f"{b}.ffn_gate_exps.weight", [n_embd, n_ff, n_exp], Q4_K),
            (f"{b}.ffn_up_exps.weight", [n_embd, n_ff, n_exp], Q4_K),
            (f"{b}.ffn_down_exps.weight", [n_ff, n_embd, n_exp], Q6_K),
        ]
    tensors += [("output_norm.weight", [n_embd], F32), ("output.weight", [n_embd, vocab], Q6_K)]
    return meta, tensors


MODELS = {"gpt-oss-20b": gpt_oss_20b, "qwen3-30b-a3b": qwen3_moe_30b_a3b}


def header(model: str) -> tuple[bytes, int]:
    """The header bytes of ``model`` (magic to the padded end of its tensor table) and the size
    of the whole file it starts."""
    meta, tensors = MODELS[model]()
    laid_out, data = _layout(tensors)
    # model_bytes writes zeros for small F32 tensors; the header is what comes before them.
    whole = gb.model_bytes(meta, [(n, d, 99, o) for n, d, _, o in laid_out])
    head = gb.model_bytes(meta, laid_out)[: len(whole)]
    return head, len(head) + data


def write(path, model: str):
    """A sparse file with ``model``'s real header and size (its weights all zero, never written)."""
    head, size = header(model)
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path
