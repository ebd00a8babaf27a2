"""Read and check GGUF model files without loading them.

Checking here, before llama.cpp sees a file, turns a missing, empty, truncated, foreign or malformed
file into a sentence naming the file instead of a crash or a cryptic loader error. Whatever the
bytes, the reader raises ModelFileError and nothing else: counts and lengths are checked against the
bytes there are before anything is allocated or looped over, arrays of arrays are refused (so there
is no recursion to exhaust), and the metadata fields Enclave uses must hold what it expects
(tests/core/test_gguf_fuzz.py mutates the starter model's header to check this).
"""

from __future__ import annotations

import logging
import mmap
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import ModelFileError

log = logging.getLogger(__name__)
MAGIC = b"GGUF"

# GGUF value types: id -> struct format (None for string/array, handled apart).
_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9

# ggml tensor types: id -> (elements per block, bytes per block). Used to check the file is whole.
_TENSOR_BLOCKS = {
    0: (1, 4),
    1: (1, 2),
    2: (32, 18),
    3: (32, 20),
    6: (32, 22),
    7: (32, 24),
    8: (32, 34),
    9: (32, 36),
    10: (256, 84),
    11: (256, 110),
    12: (256, 144),
    13: (256, 176),
    14: (256, 210),
    15: (256, 292),
    16: (256, 66),
    17: (256, 74),
    18: (256, 98),
    19: (256, 50),
    20: (32, 18),
    21: (256, 110),
    22: (256, 82),
    23: (256, 136),
    24: (1, 1),
    25: (1, 2),
    26: (1, 4),
    27: (1, 8),
    28: (1, 8),
    29: (256, 56),
    30: (1, 2),
    34: (256, 54),
    35: (256, 66),
    39: (32, 17),
}

# llama.cpp's general.file_type values -> the quantization name people know.
FILE_TYPES = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    36: "TQ1_0",
    37: "TQ2_0",
    38: "MXFP4_MOE",
}

# Metadata arrays longer than this (token lists) are skipped, not kept in memory.
_KEEP_ARRAY_MAX = 64

# The routed experts of a mixture-of-experts block, as llama.cpp names them
# (LLM_FFN_EXPS_REGEX in llama.cpp's common/common.h, which --cpu-moe and --n-cpu-moe use).
# Shared experts (``ffn_*_shexp``) run for every token and are not among them.
EXPERT_TENSORS = r"\.ffn_(up|down|gate|gate_up)_(ch|)exps"
_EXPERT_TENSOR = re.compile(r"^blk\.(\d+)" + EXPERT_TENSORS)

# Derived from the tensor table, not read from the file's own keys (a file's key of this name is
# dropped): {block index: bytes of its expert tensors}. Present only for mixture-of-experts files.
EXPERT_BLOCKS = "enclave.expert_blocks"


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

    @property
    def expert_count(self) -> int:
        """Experts per mixture-of-experts block (0: a dense model)."""
        return int(self.metadata.get(f"{self.architecture}.expert_count") or 0)

    @property
    def expert_used_count(self) -> int:
        """Experts each token runs through (llama.cpp's ``expert_used_count``)."""
        return int(self.metadata.get(f"{self.architecture}.expert_used_count") or 0)

    @property
    def expert_bytes(self) -> int:
        """Bytes of the routed experts' weights: what can stay in system RAM."""
        return sum(self.metadata.get(EXPERT_BLOCKS, {}).values())


# Bounds a damaged or hostile file cannot push the reader past. Real files stay far inside them.
_TEXT_MAX = 64 << 20  # bytes in one key, value or tensor name
_DIMS_MAX = 4  # GGML_MAX_DIMS
_HEAD_MAX = 1_000_000  # keys, and tensors, in one file
_ARRAY_MAX = 1 << 24  # items in one array (vocabularies have a few 100,000): bounds the time
_KV_MIN = 8 + 4 + 1  # the smallest metadata entry: key length, type, a one-byte value
_TENSOR_MIN = 8 + 4 + 4 + 8  # the smallest tensor entry: name length, dims, type, offset
_ITEM_MIN = {**{k: struct.calcsize(f) for k, f in _SCALARS.items()}, _STRING: 8}
_STRUCTS = {fmt: struct.Struct(fmt) for fmt in {*_SCALARS.values(), "<I", "<Q"}}

# The metadata Enclave reads, and what each must hold. A file that stores text where a count
# belongs is refused here, naming the field, instead of crashing whatever reads it later.
_TEXT_FIELDS = (
    "general.architecture",
    "general.name",
    "general.license",
    "tokenizer.chat_template",
)
_COUNT_FIELDS = (
    "general.file_type",
    "{arch}.context_length",
    "{arch}.block_count",
    "{arch}.embedding_length",
    "{arch}.vocab_size",
    "{arch}.expert_count",
    "{arch}.expert_used_count",
)
_PER_LAYER_FIELDS = (
    "{arch}.attention.head_count",
    "{arch}.attention.head_count_kv",
    "{arch}.attention.key_length",
    "{arch}.attention.value_length",
)
_ARRAY_FIELDS = ("tokenizer.ggml.tokens",)
_PLAIN = re.compile(r"[A-Za-z0-9_-]{1,40}")


class _Truncated(Exception):
    """The bytes end before the structure they describe (for a prefix: more bytes are needed)."""


class _Damaged(Exception):
    """The bytes break the format; the message completes "The model file … is damaged: "."""


class _Reader:
    def __init__(self, buf, path: Path):
        self.buf, self.pos, self.path = buf, 0, path

    def left(self) -> int:
        return len(self.buf) - self.pos

    def take(self, fmt: str):
        unpacker = _STRUCTS[fmt]
        if unpacker.size > self.left():
            raise _Truncated()
        (value,) = unpacker.unpack_from(self.buf, self.pos)
        self.pos += unpacker.size
        return value

    def count(self, item_size: int, what: str, limit: int = _HEAD_MAX) -> int:
        """A count of items that follow, each at least ``item_size`` bytes: more than the bytes
        left can hold is a file that ends early, checked before any loop runs that long."""
        n = self.take("<Q")
        if n > limit:
            raise _Damaged(f"it lists {n:,} {what}, far more than any model has")
        if n * item_size > self.left():
            raise _Truncated()
        return n

    def string(self) -> str:
        length = self.take("<Q")
        if length > _TEXT_MAX:
            raise _Damaged(f"it holds a text of {length:,} bytes, longer than any model file's")
        if length > self.left():
            raise _Truncated()
        raw = bytes(self.buf[self.pos : self.pos + length])
        self.pos += length
        return raw.decode("utf-8", errors="replace")

    def value(self, kind: int):
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind != _ARRAY:
            raise _Damaged(f"unknown metadata type {kind}")
        item_kind = self.take("<I")
        if item_kind == _ARRAY:  # llama.cpp refuses them too; refusing also bounds recursion
            raise _Damaged("it holds an array of arrays, which llama.cpp does not read")
        if item_kind not in _ITEM_MIN:
            raise _Damaged(f"unknown metadata type {item_kind}")
        n = self.count(_ITEM_MIN[item_kind], "items in one list", _ARRAY_MAX)
        if n > _KEEP_ARRAY_MAX:
            self.skip_array(item_kind, n)
            return None
        return [self.value(item_kind) for _ in range(n)]

    def skip_array(self, kind: int, n: int) -> None:
        if kind != _STRING:
            self.pos += _ITEM_MIN[kind] * n  # within the file: count() checked it
            return
        # Token lists: step over each string without decoding it. A length that runs past the
        # end shows as unpack_from's error on the next one (OverflowError past 2**63), or in the
        # final check.
        buf, pos, unpack = self.buf, self.pos, _STRUCTS["<Q"].unpack_from
        try:
            for _ in range(n):
                pos += 8 + unpack(buf, pos)[0]
        except (struct.error, OverflowError):
            raise _Truncated() from None
        if pos > len(buf):
            raise _Truncated()
        self.pos = pos

    def metadata(self, kv_count: int) -> dict:
        metadata = {}
        for _ in range(kv_count):
            key = self.string()
            if key in metadata:
                raise _Damaged("a metadata key appears twice")
            metadata[key] = self.value(self.take("<I"))
        metadata.pop(EXPERT_BLOCKS, None)  # derived from the tensor table, never the file's say
        _check_fields(metadata)
        return metadata


def _kind_of(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, float):
        return "a fraction"
    if isinstance(value, list) or value is None:  # None: a long array, skipped
        return "a list"
    return f"the number {value}"


def _count(value) -> bool:
    return type(value) is int and 0 <= value < 2**32


def _check_fields(metadata: dict) -> None:
    """The fields Enclave uses hold what it expects (see _TEXT_FIELDS and the rest)."""
    arch = metadata.get("general.architecture", "unknown")
    rules = [(k, "text", lambda v: isinstance(v, str)) for k in _TEXT_FIELDS]
    rules += [(k.format(arch=arch), "a whole number", _count) for k in _COUNT_FIELDS]
    rules += [
        (
            k.format(arch=arch),
            "a whole number, or one per layer",
            lambda v: _count(v) or (isinstance(v, list) and bool(v) and all(map(_count, v))),
        )
        for k in _PER_LAYER_FIELDS
    ]
    rules += [(k, "a list", lambda v: v is None or isinstance(v, list)) for k in _ARRAY_FIELDS]
    rules += [
        ("general.alignment", "a power of two", lambda v: _count(v) and v > 0 and v & (v - 1) == 0)
    ]
    for key, expected, fits in rules:
        if key in metadata and not fits(metadata[key]):
            # The architecture is the file's own text: named only if it is a plain word.
            shown = key if _PLAIN.fullmatch(str(arch)) else key.replace(str(arch), "(model)", 1)
            raise _Damaged(
                f"its metadata field {shown} holds {_kind_of(metadata[key])} where "
                f"{expected} belongs"
            )


# What a reader bug would raise. read() turns it into the clear error too, chained to the cause
# (and logged), so a user never sees a traceback; the fuzz test looks for that chain.
_UNEXPECTED = (
    ArithmeticError,
    LookupError,
    TypeError,
    ValueError,
    RecursionError,
    MemoryError,
    struct.error,
)


def read(path: str | Path) -> GGUFInfo:
    """Parse a GGUF file's header, metadata and tensor table, and check the file is whole.

    Raises:
        ModelFileError: with a message naming the file and what to do; the only error, whatever
            the bytes are.
    """
    path = Path(path)
    if not path.exists():
        raise ModelFileError(
            f"The model file {path} does not exist. Choose another model, or "
            f"download or import it again.",
            path,
        )
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file. Choose a .gguf file.", path)
    size = path.stat().st_size
    if size == 0:
        raise ModelFileError(
            f"The model file {path} is empty (0 bytes), probably from an "
            f"interrupted download. Delete it and download it again.",
            path,
        )
    try:
        with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(buf, path, size)
    except _Truncated:
        raise ModelFileError(
            f"The model file {path} is damaged: it ends early (truncated, "
            f"{size:,} bytes). Delete it and download it again.",
            path,
        ) from None
    except _Damaged as exc:
        raise ModelFileError(
            f"The model file {path} is damaged: {exc}. Delete it and download it again.", path
        ) from None
    except PermissionError as exc:
        raise ModelFileError(
            f"Enclave may not read the model file {path}: {exc.strerror}.", path
        ) from exc
    except OSError as exc:
        raise ModelFileError(
            f"The model file {path} could not be read ({exc.strerror or exc}). "
            f"Check the disk, or download it again.",
            path,
        ) from exc
    except _UNEXPECTED as exc:
        log.exception("reading %s failed unexpectedly", path)
        raise ModelFileError(
            f"The model file {path} is damaged: Enclave could not make sense "
            f"of it. Delete it and download it again.",
            path,
        ) from exc


def _parse(buf, path: Path, size: int) -> GGUFInfo:
    r = _Reader(buf, path)
    if bytes(buf[:4]) != MAGIC:
        raise ModelFileError(
            f"{path} is not a GGUF model file. Enclave runs models in GGUF "
            f"format (files ending in .gguf).",
            path,
        )
    r.pos = 4
    version = r.take("<I")
    if version not in (2, 3):
        raise ModelFileError(
            f"The model file {path} uses GGUF version {version}, which this "
            f"Enclave cannot read. Update Enclave or choose another file.",
            path,
        )
    tensor_count = r.count(0, "tensors")  # checked against the bytes once the metadata is read
    metadata = r.metadata(r.count(_KV_MIN, "metadata entries"))
    if tensor_count * _TENSOR_MIN > r.left():
        raise _Truncated()
    alignment = metadata.get("general.alignment", 32)
    parameters, data_end = _tensor_table(r, tensor_count, metadata, size)
    data_start = (r.pos + alignment - 1) // alignment * alignment
    if data_start + data_end > size:
        raise _Truncated()
    return GGUFInfo(path, version, metadata, tensor_count, parameters, size)


def _tensor_table(r: _Reader, tensor_count: int, metadata: dict, size: int | None):
    """Read the tensor table: the parameter count and where the data ends (checked against
    ``size`` when the file's size is known), and, for a mixture-of-experts model, the bytes of
    each block's expert tensors (into ``metadata[EXPERT_BLOCKS]``)."""
    alignment = metadata.get("general.alignment", 32)
    data_end, parameters, experts = 0, 0, dict[int, int]()
    for _ in range(tensor_count):
        name = r.string()
        n_dims = r.take("<I")
        if n_dims > _DIMS_MAX:
            raise _Damaged(f"a tensor has {n_dims:,} dimensions (at most {_DIMS_MAX} exist)")
        dims = [r.take("<Q") for _ in range(n_dims)]
        kind, offset = r.take("<I"), r.take("<Q")
        if kind not in _TENSOR_BLOCKS:
            raise ModelFileError(
                f"The model file {r.path} stores weights in a format (ggml type "
                f"{kind}) this Enclave cannot read. Update Enclave or choose "
                f"another file.",
                r.path,
            )
        per_block, block_bytes = _TENSOR_BLOCKS[kind]
        elements = 1
        for d in dims:
            elements *= d
        if dims and dims[0] % per_block:
            raise _Damaged(f"a tensor's rows do not divide into its type's blocks of {per_block}")
        if offset % alignment:
            raise _Damaged("a tensor's data is not aligned as the file says")
        end = offset + elements // per_block * block_bytes
        if size is not None and end > size:  # beyond the file wherever the data starts
            raise _Truncated()
        expert = _EXPERT_TENSOR.match(name)
        if expert:
            block = int(expert[1])
            experts[block] = experts.get(block, 0) + elements // per_block * block_bytes
        parameters += elements
        data_end = max(data_end, end)
    if experts:
        metadata[EXPERT_BLOCKS] = experts
    return parameters, data_end


def metadata_from_prefix(data: bytes) -> dict | None:
    """The metadata of a GGUF file from its first bytes; None if more bytes are needed.

    For a mixture-of-experts model the tensor table that follows the metadata is needed too
    (its expert tensors' sizes go into ``EXPERT_BLOCKS``); for others it is read if present.

    Raises:
        ModelFileError: the bytes are not the start of a well-formed GGUF file.
    """
    source = Path("<download>")
    if data[:4] != MAGIC:
        raise ModelFileError("The file on the hub is not a GGUF model file.", source)
    r = _Reader(data, source)
    r.pos = 4
    try:
        r.take("<I")  # version
        tensor_count = r.count(0, "tensors")
        metadata = r.metadata(r.count(_KV_MIN, "metadata entries"))
        try:
            _tensor_table(r, tensor_count, metadata, None)
        except _Truncated:
            arch = metadata.get("general.architecture")
            if metadata.get(f"{arch}.expert_count"):
                return None
            metadata.pop(EXPERT_BLOCKS, None)
        return metadata
    except _Truncated:
        return None
    except _Damaged as exc:
        raise ModelFileError(f"The model file on the hub is damaged: {exc}.", source) from None
    except _UNEXPECTED as exc:
        log.exception("reading a GGUF header from the hub failed unexpectedly")
        raise ModelFileError(
            "The model file on the hub is damaged: Enclave could not make sense of its header.",
            source,
        ) from exc
