"""What a GGUF file name says: its quantization, and whether it is one shard of a split model."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Quantizations from most to least faithful to the original weights (bits per weight, roughly).
QUALITY_ORDER = [
    "F32",
    "BF16",
    "F16",
    "Q8_0",
    "Q6_K",
    "Q5_K_M",
    "Q5_K_S",
    "Q5_1",
    "Q5_0",
    "Q4_K_M",
    "IQ4_NL",
    "Q4_K_S",
    "IQ4_XS",
    "Q4_1",
    "Q4_0",
    "IQ3_M",
    "Q3_K_L",
    "Q3_K_M",
    "IQ3_S",
    "IQ3_XS",
    "Q3_K_S",
    "IQ3_XXS",
    "Q2_K",
    "IQ2_M",
    "Q2_K_S",
    "IQ2_S",
    "IQ2_XS",
    "IQ2_XXS",
    "IQ1_M",
    "IQ1_S",
    "TQ2_0",
    "TQ1_0",
    "MXFP4_MOE",
    "MXFP4",
]
_QUANT_RE = re.compile(
    r"(?<![A-Za-z0-9])(Q4_0_[48]_[48]|Q[2-8]_K_(?:XL|[SML])|"
    + "|".join(sorted(map(re.escape, QUALITY_ORDER), key=len, reverse=True))
    + r"|Q[2-8]_K)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_SHARD_RE = re.compile(r"^(?P<base>.+)-(?P<index>\d{5})-of-(?P<total>\d{5})\.gguf$", re.IGNORECASE)


def quantization(filename: str) -> str | None:
    """The quantization named in a file name ("Q4_K_M"), or None if it names none."""
    matches = _QUANT_RE.findall(filename.rsplit("/", 1)[-1])
    return matches[-1].upper() if matches else None


def quality_rank(quant: str | None) -> int:
    """Lower is more faithful; unknown names sort last."""
    try:
        return QUALITY_ORDER.index((quant or "").upper())
    except ValueError:
        return len(QUALITY_ORDER)


def shard(filename: str) -> tuple[str, int, int] | None:
    """(group name, index, total) for "name-00001-of-00003.gguf"; None for a whole file."""
    m = _SHARD_RE.match(filename)
    if not m:
        return None
    return m["base"] + ".gguf", int(m["index"]), int(m["total"])


@dataclass
class RemoteFile:
    name: str  # path inside the repository
    size: int | None = None
    sha256: str | None = None


@dataclass
class GgufChoice:
    """One downloadable model: a single GGUF file, or all the shards of a split one."""

    name: str  # the file name, or the group name for shards
    quant: str | None
    files: list[RemoteFile] = field(default_factory=list)

    @property
    def size(self) -> int | None:
        sizes = [f.size for f in self.files if f.size is not None]
        return sum(sizes) if len(sizes) == len(self.files) else None

    @property
    def complete(self) -> bool:
        """All shards are listed (a split model with a missing part cannot be loaded)."""
        info = shard(self.files[0].name) if self.files else None
        return info is None or len(self.files) == info[2]


def group(files: list[RemoteFile]) -> list[GgufChoice]:
    """GGUF files of a repository as choices: shards grouped, best quality first."""
    choices: dict[str, GgufChoice] = {}
    for f in files:
        if not f.name.lower().endswith(".gguf"):
            continue
        info = shard(f.name)
        key = info[0] if info else f.name
        choice = choices.setdefault(key, GgufChoice(key, quantization(key)))
        choice.files.append(f)
    for choice in choices.values():
        choice.files.sort(key=lambda f: f.name)
    return sorted(choices.values(), key=lambda c: (quality_rank(c.quant), c.name.lower()))
