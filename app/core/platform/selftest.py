"""`enclave --self-test`: does this installation work on this machine?

For IT roll-outs and frozen builds: needs no display, loads the default model, answers one short
prompt, checks the data folders are writable, and reports on the OS keyring and the GPU. Only
the core decides the exit code; the keyring and the GPU are reported, not required.
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass

from app import __version__
from app.core.engines import placement
from app.core.engines.base import ChatMessage, GenerationOptions
from app.core.errors import EnclaveError
from app.core.models import installed
from app.core.platform import hardware
from app.core.platform.runtime import Runtime
from app.core.privacy import netguard

PROMPT = "Say hello in one short sentence."


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True

    @property
    def label(self) -> str:
        if self.ok:
            return "ok"
        return "FAIL" if self.required else "note"


def _folders(rt: Runtime) -> Check:
    for name, folder in rt.paths.folders().items():
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".self-test-"):
                pass
        except OSError as exc:
            return Check("data folders", False, f"{name} folder {folder}: {exc.strerror or exc}")
    return Check("data folders", True, f"all writable (data: {rt.paths.data})")


def _llama() -> tuple[Check, Check]:
    info = hardware.llama_build_info()
    if not info.get("available"):
        return (
            Check("llama.cpp", False, f"cannot load: {info.get('error')}"),
            Check("GPU", False, "unknown", required=False),
        )
    cpu = info.get("system_info", "").replace("CPU : ", "")[:70]
    gpus = placement.gpu_devices()
    found = ", ".join(f"{d.name} · {d.description} ({d.free / 2**30:.1f} GB free)" for d in gpus)
    return (
        Check("llama.cpp", True, f"llama-cpp-python {info['version']} ({cpu}…)"),
        Check("GPU", bool(gpus), found or f"none: {placement.why_no_gpu()}", required=False),
    )


def _answer(rt: Runtime) -> list[Check]:
    try:
        model = installed.resolve(None, rt.paths, default=rt.settings.default_model)
    except EnclaveError as exc:
        return [Check("model", False, str(exc))]
    checks = [Check("model", True, f"{model.id} ({model.size_bytes / 1e6:.0f} MB, {model.source})")]
    from app.core.engines.local import LocalEngine

    try:
        engine = LocalEngine(
            model.path,
            model_id=model.id,
            context_length=1024,
            gpu_layers=rt.settings.gpu_layers,
            threads=rt.settings.threads,
        )
    except EnclaveError as exc:
        return checks + [Check("answer", False, str(exc))]
    try:
        generation = engine.stream(
            [ChatMessage("user", PROMPT)],
            options=GenerationOptions(max_tokens=24, temperature=0.0),
            cancel=threading.Event(),
        )
        text = " ".join("".join(generation).split())
    finally:
        engine.close()
    s = generation.stats
    if not text:
        return checks + [Check("answer", False, "the model produced no text")]
    shown = text if len(text) <= 50 else text[:49] + "…"
    return checks + [
        Check(
            "answer",
            True,
            f"“{shown}” ({s.completion_tokens} tokens, "
            f"{s.tokens_per_s or 0:.1f} tokens/s, first token "
            f"{(s.ttft_s or 0) * 1000:.0f} ms, on "
            f"{engine.placement.label})",
        )
    ]


def keyring_check() -> Check:
    """Which OS keyring backend is in use, without reading or writing a secret (no prompts)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError as exc:
        return Check("OS keyring", False, f"keyring not installed ({exc})", required=False)
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken backend configuration must not stop the self-test
        return Check("OS keyring", False, f"unavailable: {exc}", required=False)
    inner = getattr(backend, "backends", [backend])
    usable = [b for b in inner if not isinstance(b, fail.Keyring)]
    if not usable:
        return Check(
            "OS keyring",
            False,
            "no OS keyring found (on Linux: is a Secret Service such "
            "as GNOME Keyring or KWallet running?); cloud keys cannot be stored",
            required=False,
        )
    return Check(
        "OS keyring",
        True,
        ", ".join(type(b).__module__.rsplit(".", 1)[-1] + "." + type(b).__name__ for b in usable),
        required=False,
    )


def cloud_client_check() -> Check:
    """The provider client can be built (the openai SDK and Enclave's gated HTTP client are
    there); nothing is contacted."""
    from app.core.engines import remote

    try:
        version = remote.client_ready()
    except Exception as exc:
        return Check("cloud client", False, f"cannot be built: {type(exc).__name__}: {exc}")
    return Check("cloud client", True, f"openai {version}, through the privacy gate")


def documents_check() -> Check:
    """Document reading and search work here: a PDF page and a Word heading read, and a passage
    found by SQLite's full-text search (FTS5), in a throwaway index."""
    import tempfile
    from pathlib import Path

    from app.core.documents import formats
    from app.core.documents.chunking import chunk_sections
    from app.core.documents.index import DocIndex

    try:
        import pypdf

        with tempfile.TemporaryDirectory() as tmp:
            with DocIndex(Path(tmp) / "check.sqlite3") as index:
                c = index.create("check")
                sections = formats.extract(Path("check.md"), b"# Check\nself test passage\n")
                index.put_file(
                    c.id,
                    "check.md",
                    size=1,
                    mtime=0.0,
                    sha256=None,
                    status="indexed",
                    chunks=chunk_sections(sections),
                )
                found = index.search_text([c.id], "passage")
        if not found or found[0].heading != "Check":
            return Check("documents", False, "full-text search found nothing")
    except Exception as exc:  # noqa: BLE001 — the self-test reports, it does not crash
        return Check("documents", False, f"{type(exc).__name__}: {exc}")
    return Check(
        "documents", True, f"PDF (pypdf {pypdf.__version__}), Word, HTML, text; FTS5 search"
    )


def run(rt: Runtime) -> list[Check]:
    started = time.perf_counter()
    checks = [_folders(rt), *_llama()]
    if checks[1].ok:
        checks += _answer(rt)
    checks.append(keyring_check())
    checks.append(cloud_client_check())
    checks.append(documents_check())
    checks.append(
        Check("network guard", netguard.installed(), "refusing connections that leave this device")
    )
    checks.append(Check("time", True, f"{time.perf_counter() - started:.1f} s", required=False))
    return checks


def passed(checks: list[Check]) -> bool:
    return all(c.ok for c in checks if c.required)


def report(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = [f"Enclave {__version__} self-test"]
    lines += [f"  {c.label:<5} {c.name:<{width}}  {c.detail}" for c in checks]
    lines.append("PASSED" if passed(checks) else "FAILED")
    return "\n".join(lines)
