"""Read and check GGUF model files without loading them.

Checking here, before llama.cpp sees a file, turns a missing, empty, truncated or foreign file into a
sentence naming the file instead of a crash or a cryptic loader error.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import ModelFileError

MAGIC = b"GGUF"

# GGUF value types: id -> struct format (None for string/array, handled apart).
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9

# ggml tensor types: id -> (elements per block, bytes per block). Used to check the file is whole.
_TENSOR_BLOCKS = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
    15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18),
    21: (256, 110), 22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4),
    27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66),
    39: (32, 17),
}

# llama.cpp's general.file_type values -> the quantization name people know.
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS",
    23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
    29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
    38: "MXFP4_MOE",
}

# Metadata arrays longer than this (token lists) are skipped, not kept in memory.
_KEEP_ARRAY_MAX = 64


@dataclass
class GGUFInfo:
    path: Path
    version: int
    metadata: dict = field(repr=False)
    tensor_count: int
    parameter_count: int
    file_size: int

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return int(value) if value is not None else None

    @property
    def layer_count(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.block_count")
        return int(value) if value is not None else None

    @property
    def quantization(self) -> str:
        file_type = self.metadata.get("general.file_type")
        return FILE_TYPES.get(file_type, f"type {file_type}") if file_type is not None else "?"

    @property
    def chat_template(self) -> str | None:
        return self.metadata.get("tokenizer.chat_template")

    @property
    def license(self) -> str | None:
        return self.metadata.get("general.license")


class _Reader:
    def __init__(self, buf, path: Path):
        self.buf, self.pos, self.path = buf, 0, path

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise _Truncated()
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        length = self.take("<Q")
        if self.pos + length > len(self.buf):
            raise _Truncated()
        raw = bytes(self.buf[self.pos:self.pos + length])
        self.pos += length
        return raw.decode("utf-8", errors="replace")

    def value(self, kind: int):
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind, count = self.take("<I"), self.take("<Q")
            if count > _KEEP_ARRAY_MAX:
                self.skip_array(item_kind, count)
                return None
            return [self.value(item_kind) for _ in range(count)]
        raise ModelFileError(f"The model file {self.path} is damaged: unknown metadata type "
                             f"{kind}. Delete it and download it again.", self.path)

    def skip_array(self, kind: int, count: int) -> None:
        if kind in _SCALARS:
            self.pos += struct.calcsize(_SCALARS[kind]) * count
        elif kind == _STRING:  # token lists: step over each string without decoding it
            buf, pos, end = self.buf, self.pos, len(self.buf)
            unpack = struct.Struct("<Q").unpack_from
            for _ in range(count):
                if pos + 8 > end:
                    raise _Truncated()
                pos += 8 + unpack(buf, pos)[0]
            self.pos = pos
        else:
            for _ in range(count):
                self.value(kind)
        if self.pos > len(self.buf):
            raise _Truncated()


class _Truncated(Exception):
    pass


def read(path: str | Path) -> GGUFInfo:
    """Parse a GGUF file's header, metadata and tensor table, and check the file is whole.

    Raises:
        ModelFileError: with a message naming the file and what to do.
    """
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"The model file {path} does not exist. Choose another model, or "
                             f"download or import it again.", path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file. Choose a .gguf file.", path)
    size = path.stat().st_size
    if size == 0:
        raise ModelFileError(f"The model file {path} is empty (0 bytes), probably from an "
                             f"interrupted download. Delete it and download it again.", path)
    try:
        with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(buf, path, size)
    except _Truncated:
        raise ModelFileError(f"The model file {path} is damaged: it ends early (truncated, "
                             f"{size:,} bytes). Delete it and download it again.", path) from None
    except PermissionError as exc:
        raise ModelFileError(f"Enclave may not read the model file {path}: {exc.strerror}.",
                             path) from exc


def _parse(buf, path: Path, size: int) -> GGUFInfo:
    r = _Reader(buf, path)
    if bytes(buf[:4]) != MAGIC:
        raise ModelFileError(f"{path} is not a GGUF model file. Enclave runs models in GGUF "
                             f"format (files ending in .gguf).", path)
    r.pos = 4
    version = r.take("<I")
    if version not in (2, 3):
        raise ModelFileError(f"The model file {path} uses GGUF version {version}, which this "
                             f"Enclave cannot read. Update Enclave or choose another file.", path)
    tensor_count, kv_count = r.take("<Q"), r.take("<Q")
    if tensor_count > 1_000_000 or kv_count > 1_000_000:
        raise ModelFileError(f"The model file {path} is damaged: its header is not valid. "
                             f"Delete it and download it again.", path)
    metadata = {}
    for _ in range(kv_count):
        key = r.string()
        metadata[key] = r.value(r.take("<I"))
    alignment = int(metadata.get("general.alignment", 32) or 32)
    data_end, parameters = 0, 0
    for _ in range(tensor_count):
        r.string()  # tensor name
        n_dims = r.take("<I")
        dims = [r.take("<Q") for _ in range(n_dims)]
        kind, offset = r.take("<I"), r.take("<Q")
        elements = 1
        for d in dims:
            elements *= d
        parameters += elements
        per_block, block_bytes = _TENSOR_BLOCKS.get(kind, (1, 0))
        data_end = max(data_end, offset + (elements // per_block) * block_bytes)
    data_start = (r.pos + alignment - 1) // alignment * alignment
    if data_start + data_end > size:
        raise _Truncated()
    return GGUFInfo(path, version, metadata, tensor_count, parameters, size)


def metadata_from_prefix(data: bytes) -> dict | None:
    """The metadata of a GGUF file from its first bytes; None if more bytes are needed.

    Raises:
        ModelFileError: the bytes are not the start of a GGUF file.
    """
    source = Path("<download>")
    if data[:4] != MAGIC:
        raise ModelFileError("The file on the hub is not a GGUF model file.", source)
    r = _Reader(data, source)
    r.pos = 4
    try:
        r.take("<I")  # version
        r.take("<Q")  # tensor count
        kv_count = r.take("<Q")
        metadata = {}
        for _ in range(min(kv_count, 1_000_000)):
            key = r.string()
            metadata[key] = r.value(r.take("<I"))
    except _Truncated:
        return None
    return metadata
