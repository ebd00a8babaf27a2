"""What goes into the bundle, and facts the installers need: the rules `build.spec` and the build
scripts follow, kept here (plain Python, no PyInstaller) so the tests can check them on any OS.

Imported with this folder on ``sys.path`` (the name ``packaging`` belongs to the PyPI library)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

# The console and windowed executables. Windows and macOS file systems ignore case, so the two
# names must differ in more than case, or one overwrites the other.
CLI_NAME = "enclave"
WINDOW_NAME = "enclavew"

# Never shipped: Qt's translations (PySide6/Qt/translations in Linux and macOS wheels,
# PySide6/translations in Windows ones), the platform themes (they pull the host's GTK), host GTK
# libraries, unused Qt modules — and never the GPU driver's side: the Vulkan loader and the CUDA
# driver library belong to the user's system (a bundled loader would find no driver, or the wrong
# one); without them the GPU backend does not load and the CPU answers.
DROP = re.compile(
    r"(PySide6[/\\](Qt[/\\])?translations|platformthemes|libgtk|libgdk|libatk|"
    r"libpango|libcairo|libgio-|QtWebEngine|Qt6Pdf|Qt6Quick|Qt6Qml|"
    r"libvulkan\.so|vulkan-1\.dll|libMoltenVK|libcuda\.so|nvcuda\.dll|libnvidia-)",
    re.I,
)


def wanted_llama_library(name: str) -> bool:
    """Whether a file from llama-cpp-python's library folder belongs in the bundle."""
    if re.search(r"mtmd|llava", name):
        return False  # image and audio input: not used
    if "sapphirerapids" in name:
        # The AMX variant: some virtual machines report AMX without enabling it, and its kernels
        # then die with a general-protection fault. The AVX-512 variants are chosen instead.
        return False
    # Wheels turn symbolic links into copies: keep libX.so and the libX.so.N SONAME (libX.dylib
    # and libX.N.dylib on macOS), drop the fully versioned third copy.
    if re.search(r"\.so\.\d+\.\d+", name) or re.search(r"\.\d+\.\d+(\.\d+)*\.dylib$", name):
        return False
    return name.endswith((".so", ".dylib", ".dll")) or re.search(r"\.so\.\d+$", name) is not None


def numeric_version(version: str) -> str:
    """X.Y.Z from a version such as 1.2.0rc1: Windows' version resource takes numbers only."""
    numbers = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", version)
    if not numbers:
        raise ValueError(f"not a version: {version!r}")
    return ".".join(n or "0" for n in numbers.groups())


# -- macOS: the oldest system a Mach-O file runs on ---------------------------------------------

_LC_VERSION_MIN_MACOSX, _LC_BUILD_VERSION = 0x24, 0x32
_PLATFORM_MACOS = 1


def _version(packed: int) -> tuple[int, int, int]:
    return packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF


def _thin_minimum(data: bytes, base: int) -> tuple[int, int, int] | None:
    magic = data[base : base + 4]
    if magic == b"\xcf\xfa\xed\xfe":
        header = 32
    elif magic == b"\xce\xfa\xed\xfe":
        header = 28
    else:
        return None
    (ncmds,) = struct.unpack_from("<I", data, base + 16)
    at = base + header
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, at)
        if cmd == _LC_BUILD_VERSION:
            platform, minos = struct.unpack_from("<II", data, at + 8)
            if platform == _PLATFORM_MACOS:
                return _version(minos)
        elif cmd == _LC_VERSION_MIN_MACOSX:
            return _version(struct.unpack_from("<I", data, at + 8)[0])
        at += size
    return None


def macos_minimum(path: Path) -> tuple[int, int, int] | None:
    """The minimum macOS a Mach-O binary (thin or universal) declares; for a universal one, the
    highest of its slices. None when the file declares none or is not Mach-O."""
    data = Path(path).read_bytes()
    (magic,) = struct.unpack_from(">I", data, 0)
    if magic in (0xCAFEBABE, 0xCAFEBABF):  # universal: big-endian list of slices
        (count,) = struct.unpack_from(">I", data, 4)
        wide = magic == 0xCAFEBABF
        offsets = [
            struct.unpack_from(">Q" if wide else ">I", data, 8 + i * (32 if wide else 20) + 8)[0]
            for i in range(count)
        ]
        found = [v for v in (_thin_minimum(data, o) for o in offsets) if v]
        return max(found) if found else None
    return _thin_minimum(data, 0)
