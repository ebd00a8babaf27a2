"""Start the real window on an X screen, hold a short conversation with the starter model, and save
screenshots for the README.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots.py docs/screenshots

With --gpu (from an environment with a GPU build, on a machine with a device) it only takes
gpu.png: an answer, with the status bar naming the device. Uses a fresh temporary ENCLAVE_HOME, so
it never touches your own conversations.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

PROMPTS = [
    "Write a short Python function that checks whether a number is prime.",
    "Thanks! Now explain in two sentences why that works.",
]


def main(out_dir: str, *, gpu_only: bool = False) -> int:
    out = Path(out_dir).absolute()
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ENCLAVE_HOME", tempfile.mkdtemp(prefix="enclave-shots-"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.core.platform import runtime
    from app.ui import theme

    app = QApplication([sys.argv[0]])
    rt = runtime.start()
    rt.settings.temperature, rt.settings.max_answer_tokens = 0.2, 200
    saved = []
    current = {}

    def window_state():
        w = current.get("w")
        return w and (w._turns, w._loads, w.status_state.text(), w.notice.text())

    def pump(until, timeout_s=120.0):
        """Run the event loop (asleep between events, as the real app is) until ``until()``."""
        loop, poll = QEventLoop(), QTimer(interval=50)
        end = time.monotonic() + timeout_s
        poll.timeout.connect(lambda: (until() or time.monotonic() > end) and loop.quit())
        poll.start()
        loop.exec()
        poll.stop()
        if not until():
            import faulthandler

            faulthandler.dump_traceback(all_threads=True)
            raise TimeoutError(f"the window did not finish in time: {window_state()}")

    def shoot(window, name):
        app.processEvents()
        path = out / name
        if not window.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        saved.append(path)

    if gpu_only:
        theme.apply(app, "light")
        rt.settings.max_answer_tokens = 24
        window = open_window(rt, pump, current)
        window.input.setPlainText("What is the capital of France?")
        window.send()
        pump(window.idle, timeout_s=600)
        shoot(window, "gpu.png")
        window.close()
        print(*saved, sep="\n")
        return 0
    for choice, suffix in (("light", ""), ("dark", "-dark")):
        theme.apply(app, choice)
        window = open_window(rt, pump, current)
        if suffix:
            window.new_chat()
        else:
            shoot(window, "welcome.png")
        for prompt in PROMPTS[: 2 if not suffix else 1]:
            window.input.setPlainText(prompt)
            window.send()
            pump(window.idle)
        shoot(window, f"chat{suffix}.png")
        window.close()
        window.deleteLater()
    theme.apply(app, "light")
    models_window(rt, pump, shoot)
    cloud_window(rt, pump, shoot, current)
    documents_window(rt, pump, shoot, current)
    for path in saved:
        print(path)
    return 0


def open_window(rt, pump, current):
    """The main window at the README's size, once it has loaded the model."""
    from app.ui.chat.main_window import MainWindow

    window = MainWindow(rt)
    current["w"] = window
    window.resize(1200, 760)
    window.show()
    pump(window.idle)
    return window


def models_window(rt, pump, shoot) -> None:
    """The Models window against the hub stand-in (loopback): a repo's files, then a download."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from hub_server import HUB_FILE, HUB_REPO, HubFile, HubRepo, HubServer

    from app.core.models.installed import starter_model_path
    from app.ui.models.models_dialog import ModelsDialog

    hub = HubServer(
        [HubRepo(HUB_REPO, {HUB_FILE: HubFile(starter_model_path())}, downloads=1200, likes=40)]
    ).start()
    os.environ["HF_ENDPOINT"] = hub.url
    hub.faults.bytes_per_s = 20e6
    dialog = ModelsDialog(rt)
    dialog.resize(1100, 640)
    dialog.show()
    dialog.search_box.setText("smollm2")
    dialog.search()
    pump(lambda: dialog.results.count() == 1)
    dialog._on_result_chosen(dialog.results.item(0))
    pump(lambda: dialog.files.rowCount() == 1)
    shoot(dialog, "models.png")
    dialog.download_selected()
    pump(lambda: dialog.rows and next(iter(dialog.rows.values())).bar.value() > 400)
    shoot(dialog, "download.png")
    dialog.shutdown()
    dialog.close()
    hub.stop()


def cloud_window(rt, pump, shoot, current) -> None:
    """Asking the organisation's server (llama-cpp-python's server on loopback): the consent
    dialog, the answer with its badge, and the audit log."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from provider_server import LlamaServer, ProviderProxy

    from app.core.cloud.providers import ProviderRegistry
    from app.core.models.installed import starter_model_path
    from app.core.privacy import consent
    from app.ui.cloud.audit_dialog import AuditDialog
    from app.ui.cloud.consent_dialog import ConsentDialog

    server = LlamaServer(starter_model_path())
    proxy = ProviderProxy(server.port)
    ProviderRegistry(rt.paths.providers_file).add(
        "Lab",
        base_url=proxy.base_url,
        tier="org",
        model="starter",
        context_length=2048,
        price_in=0.2,
        price_out=0.6,
    )
    rt.settings.cloud_allowed, rt.settings.redaction_terms = True, ["Nightjar"]
    try:
        window = open_window(rt, pump, current)
        window.new_chat()
        text = (
            "Draft a two-line status note on Project Nightjar for ana.silva@example.org; "
            "she can call me on +44 20 7946 0958."
        )
        planned = {}  # what the Ask cloud… button gets, planned on the model thread
        window.models.cloud_planned.connect(lambda _, plan: planned.update(plan=plan))
        window.models.plan_cloud(None, text, "Lab", None)
        pump(lambda: "plan" in planned)
        plan = planned["plan"]
        dialog = ConsentDialog(plan.request, window)
        dialog.show()
        shoot(dialog, "consent.png")
        dialog.close()
        window.session.send_cloud(plan, consent.CONVERSATION)
        pump(window.idle)
        shoot(window, "cloud-answer.png")
        audit_view = AuditDialog(window, paths=rt.paths)
        audit_view.verify()
        audit_view.show()
        shoot(audit_view, "audit.png")
        audit_view.close()
        window.close()
    finally:
        proxy.close()
        server.close()


def documents_window(rt, pump, shoot, current) -> None:
    """A folder of mixed documents indexed in the Documents window, then an answer citing them."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from docs_files import make_mixed_folder

    folder = make_mixed_folder(Path(tempfile.mkdtemp(prefix="enclave-docs-")) / "Company docs")
    rt.settings.max_answer_tokens = 60
    window = open_window(rt, pump, current)
    window.show_documents()
    dialog = window.documents_dialog
    dialog.resize(980, 560)
    dialog.new_collection("Company docs")
    done = []
    window.indexing.finished.connect(done.append)
    dialog.add_paths([folder], "Company docs")
    pump(lambda: done and not window.indexing.busy)
    shoot(dialog, "documents.png")
    dialog.close()
    window.new_chat()
    window.set_collections(["Company docs"])
    window.input.setPlainText("Within how many days must invoices be paid?")
    window.send()
    pump(window.idle)
    shoot(window, "documents-answer.png")
    window.close()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--gpu"]
    sys.exit(main(args[0] if args else "docs/screenshots", gpu_only="--gpu" in sys.argv))
