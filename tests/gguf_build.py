"""Write small GGUF files byte by byte, including ones no honest writer would produce.

Values are (type id, value); an array is (9, (item type, [items])). ``Raw`` bytes go in as they are,
to state a length or count the data does not back up.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
_SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
           BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}


@dataclass(frozen=True)
class Raw:
    data: bytes


def string(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def value(kind: int, v) -> bytes:
    if isinstance(v, Raw):
        return v.data
    if kind == STRING:
        return string(v)
    if kind == ARRAY:
        item_kind, items = v
        return struct.pack("<IQ", item_kind, len(items)) + b"".join(
            value(item_kind, i) for i in items)
    return struct.pack(_SCALAR[kind], v)


def nested_array(depth: int) -> Raw:
    """An array holding an array holding … ``depth`` levels down, ending in an empty one."""
    return Raw(struct.pack("<IQ", ARRAY, 1) * depth + struct.pack("<IQ", U8, 0))


def llama_metadata(**changes) -> dict[str, tuple[int, object]]:
    """The metadata of a one-layer llama model, with ``changes`` (``None`` removes a key)."""
    meta = {
        "general.architecture": (STRING, "llama"),
        "general.name": (STRING, "tiny"),
        "general.license": (STRING, "apache-2.0"),
        "general.file_type": (U32, 0),
        "llama.block_count": (U32, 1),
        "llama.context_length": (U32, 256),
        "llama.embedding_length": (U32, 8),
        "llama.attention.head_count": (U32, 2),
        "llama.attention.head_count_kv": (U32, 2),
        "tokenizer.chat_template": (STRING, "{{ messages }}"),
    }
    for key, v in changes.items():
        key = key.replace("__", ".")
        if v is None:
            meta.pop(key, None)
        else:
            meta[key] = v
    return meta


def model_bytes(metadata: dict | None = None, tensors=None, *, version: int = 3,
                alignment: int = 32, tensor_count: int | None = None,
                kv_count: int | None = None) -> bytes:
    """A whole GGUF file. ``tensors``: (name, dims, ggml type, offset) or raw bytes per tensor;
    the default is one 8-element F32 tensor, with its 32 bytes of data. F32 tensors get their data
    written, up to 1 MiB: a larger one makes a file that ends early."""
    metadata = llama_metadata() if metadata is None else metadata
    tensors = [("w", [8], 0, 0)] if tensors is None else tensors
    out = [b"GGUF", struct.pack("<IQQ", version,
                                len(tensors) if tensor_count is None else tensor_count,
                                len(metadata) if kv_count is None else kv_count)]
    out += [string(k) + struct.pack("<I", kind) + value(kind, v)
            for k, (kind, v) in metadata.items()]
    data = 0
    for t in tensors:
        if isinstance(t, Raw):
            out.append(t.data)
            continue
        name, dims, kind, offset = t
        out.append(string(name) + struct.pack(f"<I{len(dims)}QIQ", len(dims), *dims, kind, offset))
        if kind == 0:
            count = 1
            for d in dims:
                count *= d
            if offset + 4 * count <= 1 << 20:
                data = max(data, offset + 4 * count)
    head = b"".join(out)
    return head + b"\0" * (-len(head) % alignment) + b"\0" * data


def write(path, data: bytes):
    path.write_bytes(data)
    return path
