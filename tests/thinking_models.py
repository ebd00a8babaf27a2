"""Small real GGUF files whose chat templates steer thinking as real reasoning models' do: a
Qwen3-like one (on/off) and a gpt-oss-like one (effort levels). Header and one tiny tensor only:
enough for Enclave to list them and read their templates, not to answer."""

from __future__ import annotations

from pathlib import Path

import gguf_build as gb

QWEN3_LIKE = "{% if enable_thinking is defined and not enable_thinking %}<think></think>{% endif %}"
GPT_OSS_LIKE = "Reasoning: {{ reasoning_effort }}<|start|>assistant<|channel|>final<|message|>"
SWITCH_MODEL, EFFORT_MODEL = "qwen3-tiny", "oss-tiny"


def write_reasoning_models(folder: Path) -> None:
    """``SWITCH_MODEL`` and ``EFFORT_MODEL`` in ``folder`` (the models folder)."""
    for name, template in ((SWITCH_MODEL, QWEN3_LIKE), (EFFORT_MODEL, GPT_OSS_LIKE)):
        meta = gb.llama_metadata(tokenizer__chat_template=(gb.STRING, template))
        gb.write(folder / f"{name}.gguf", gb.model_bytes(meta))
