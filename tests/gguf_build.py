"""Write small GGUF files byte by byte, including ones no honest writer would produce.

Values are (type id, value); an array is (9, (item type, [items])). ``Raw`` bytes go in as they are,
to state a length or count the data does not back up.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
_SCALAR = {
    U8: "<B",
    I8: "<b",
    U16: "<H",
    I16: "<h",
    U32: "<I",
    I32: "<i",
    F32: "<f",
    BOOL: "<?",
    U64: "<Q",
    I64: "<q",
    F64: "<d",
}


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
            value(item_kind, i) for i in items
        )
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


def model_bytes(
    metadata: dict | None = None,
    tensors=None,
    *,
    version: int = 3,
    alignment: int = 32,
    tensor_count: int | None = None,
    kv_count: int | None = None,
) -> bytes:
    """A whole GGUF file. ``tensors``: (name, dims, ggml type, offset) or raw bytes per tensor;
    the default is one 8-element F32 tensor, with its 32 bytes of data. F32 tensors get their data
    written, up to 1 MiB: a larger one makes a file that ends early."""
    metadata = llama_metadata() if metadata is None else metadata
    tensors = [("w", [8], 0, 0)] if tensors is None else tensors
    out = [
        b"GGUF",
        struct.pack(
            "<IQQ",
            version,
            len(tensors) if tensor_count is None else tensor_count,
            len(metadata) if kv_count is None else kv_count,
        ),
    ]
    out += [
        string(k) + struct.pack("<I", kind) + value(kind, v) for k, (kind, v) in metadata.items()
    ]
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


class _Walk:
    """Steps through a well-formed GGUF header, noting where its type and length fields are."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 4
        self.types: list[tuple[int, int]] = []  # (offset, size) of each type field
        self.lengths: list[tuple[int, int]] = []  # counts, lengths, dimensions, offsets
        self.cuts: list[tuple[int, int, int]] = []  # long arrays: count, item ``keep``, end

    def take(self, fmt: str, fields: list | None = None) -> int:
        size = struct.calcsize(fmt)
        if fields is not None:
            fields.append((self.pos, size))
        (v,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return v

    def string(self) -> None:
        length = self.take("<Q", self.lengths)
        self.pos += length

    def value(self, kind: int, keep: int | None = None) -> None:
        if kind == STRING:
            self.string()
        elif kind != ARRAY:
            self.pos += struct.calcsize(_SCALAR[kind])
        else:
            item, count_at = self.take("<I", self.types), self.pos
            cut = None
            for i in range(self.take("<Q", self.lengths)):
                if i == keep:
                    cut = self.pos
                self.value(item)
            if cut is not None:
                self.cuts.append((count_at, cut, self.pos))

    def header(self, keep: int | None = None) -> tuple[int, int]:
        """Walk magic to tensor table; the tensor table's start and end."""
        self.take("<I")
        tensors, kvs = self.take("<Q", self.lengths), self.take("<Q", self.lengths)
        for _ in range(kvs):
            self.string()
            self.value(self.take("<I", self.types), keep)
        table = self.pos
        for _ in range(tensors):
            self.string()
            for _ in range(self.take("<I", self.lengths)):
                self.take("<Q", self.lengths)
            self.take("<I", self.types)
            self.take("<Q", self.lengths)
        return table, self.pos


@dataclass(frozen=True)
class Header:
    data: bytes  # magic to the end of the tensor table, padded to the data's alignment (32)
    file_size: int  # of the whole file this header starts
    types: list[tuple[int, int]]  # (offset, size) of each type field in ``data``
    lengths: list[tuple[int, int]]  # the same for counts, lengths, dimensions and offsets


def header_of(data: bytes, file_size: int, *, keep: int | None = None) -> Header:
    """The header of a GGUF file (``data``: its bytes up to at least the end of the tensor table),
    every array longer than ``keep`` items cut to ``keep``: the same structure in fewer bytes."""
    first = _Walk(data)
    _, end = first.header(keep)
    parts, done = [], 0
    for count_at, cut, done_at in first.cuts:  # up to the count, the new count, the first items
        parts += [data[done:count_at], struct.pack("<Q", keep), data[count_at + 8 : cut]]
        done = done_at
    parts.append(data[done:end])
    head = b"".join(parts)
    head += b"\0" * (-len(head) % 32)
    again = _Walk(head)
    again.header()
    return Header(head, len(head) + file_size - (end + -end % 32), again.types, again.lengths)
