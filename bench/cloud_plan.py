"""The UI thread while a provider turn is prepared in a conversation that answers from documents.

Preparing what a provider would receive searches the conversation's collections, which loads the
embedding model the first time: seconds of work. The window asks the model thread to do it and
shows the consent dialog when the plan arrives. Measured: the longest gap between 5 ms timer
ticks on the UI thread from *Ask cloud* to the plan's arrival, and, as the reference in the same
run, the same preparation done on the UI thread (as the window once did), which stalls it for as
long as the preparation takes.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer

from app.core.models import installed
from bench import Failed
from bench.window import TICK_MS, run_until

QUESTION = "Within how many days are invoices payable?"


def _documents(folder: Path, files: int = 12) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        (folder / f"note-{i}.txt").write_text(
            f"Note {i}. Invoices are payable within {30 + i} days of receipt. "
            "Visitors park in garage B, level 3. The office opens at eight.\n\n" * 8,
            encoding="utf-8",
        )
    return folder


def measure(rt, scratch: Path) -> dict:
    """``rt``: a fresh runtime (its own ENCLAVE_HOME) with the starter model installed."""
    from app.core.chat.assistant import Assistant
    from app.core.chat.store import Store
    from app.core.cloud.chat import CloudChat
    from app.core.cloud.providers import ProviderRegistry
    from app.ui.chat.main_window import MainWindow

    starter = next((m for m in installed.chat_models(rt.paths) if m.source == "starter"), None)
    if starter is None:
        raise Failed("the starter model is not installed")
    # Any GGUF model embeds (mean pooling); the starter keeps the run self-contained.
    rt.update_settings(embedding_model=starter.id, cloud_allowed=True)
    # Planning sends nothing: the provider's address is never contacted.
    ProviderRegistry(rt.paths.providers_file).add(
        "Org", base_url="http://127.0.0.1:9/v1", tier="org", model="starter"
    )
    enclave = Path(sys.executable).with_name("enclave")
    added = subprocess.run(
        [str(enclave), "docs", "add", "Work", str(_documents(scratch / "docs"))],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if added.returncode != 0:
        raise Failed(f"indexing the bench documents failed: {added.stderr[-500:]}")

    window = MainWindow(rt)
    ticks: list[float] = []
    probe, last = QTimer(interval=TICK_MS), [0.0]

    def tick():
        now = time.perf_counter()
        ticks.append((now - last[0]) * 1000)
        last[0] = now

    probe.timeout.connect(tick)
    try:
        window.show()
        run_until(window.idle, 120, "loading the model in the window")
        plans: list = []
        session = window.session
        session.consent_needed.disconnect(window._ask_consent)  # no modal dialog in a bench
        session.consent_needed.connect(plans.append)
        session.notice.connect(lambda n: n and n.error and plans.append(n))
        window.set_collections(["Work"])
        window.input.setPlainText(QUESTION)
        last[0] = time.perf_counter()
        probe.start()
        started = time.perf_counter()
        window.ask_cloud(provider="Org")
        run_until(lambda: bool(plans), 300, "preparing the provider turn on the model thread")
        planned_s = time.perf_counter() - started
        probe.stop()
        if not hasattr(plans[0], "request"):
            raise Failed(f"the provider turn could not be prepared: {plans[0].text}")
        passages = len(plans[0].request.sources)
        off_thread = list(ticks)

        # The reference: the same preparation on the UI thread, a fresh embedder included.
        ticks.clear()
        store = Store(rt.paths.database)
        assistant = Assistant(store, rt.settings, rt.paths)
        done: list = []

        def plan_here():
            done.append(CloudChat(assistant).plan(None, QUESTION, "Org", collections=["Work"]))

        last[0] = time.perf_counter()
        probe.start()
        QTimer.singleShot(20, plan_here)
        run_until(lambda: bool(done), 300, "preparing the provider turn on the UI thread")
        run_until(lambda: len(ticks) > 4, 10, "the timer after the preparation")
        probe.stop()
        assistant.close()
        store.close()
    finally:
        window.close()
    if len(off_thread) < 10:
        raise Failed(f"only {len(off_thread)} timer ticks while the turn was prepared")
    return {
        "longest_stall_ms": max(off_thread) - TICK_MS,
        "longest_stall_on_ui_thread_ms": max(ticks) - TICK_MS,
        "prepare_s": planned_s,
        "ticks": len(off_thread),
        "passages": passages,
    }
