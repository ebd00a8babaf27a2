"""Draw every screen of the real window on an X screen, at two sizes and in both themes, for the
README: docs/screenshots/<screen>-<width>-<theme>.png.

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshots.py docs/screenshots

The conversations are made once (real answers from the starter model; a cloud answer from
llama.cpp's server on loopback standing in for the organisation's server; a stored answer of a
reasoning model with its thinking), then each screen is drawn in each theme at each size: the
window at the screen's size and a dialog centred over it, as a person would see them. Nothing
reaches the internet: the hub address points at a closed loopback port, and the welcome and the
Discover list show the catalog's suggestion without the network.

With --gpu (from an environment with a GPU build, on a machine with a device) it only takes
gpu.png: an answer, with the status bar naming the device. Uses a fresh temporary ENCLAVE_HOME, so
it never touches your own conversations.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = ((1280, 800), (1920, 1080))
THEMES = ("light", "dark")
SCREENS = (
    "welcome",
    "chat",
    "thinking",
    "models",
    "documents",
    "consent",
    "cloud-answer",
    "audit",
    "settings",
    "api-server",
)
PROMPTS = [
    "Write a short Python function that checks whether a number is prime.",
    "Thanks! Now explain in three short bullet points why that works.",
]
THINKING_QUESTION = "Is 391 a prime number?"
THINKING = (
    "391 is odd, so not divisible by 2. Digit sum 13: not divisible by 3. It does not end in 0 "
    "or 5. 391 / 7 = 55.86. 391 / 11 = 35.5. 391 / 13 = 30.08. 391 / 17 = 23 exactly, so "
    "391 = 17 × 23 and it is not prime."
)
THINKING_ANSWER = (
    "No. **391 = 17 × 23**, so it has divisors other than 1 and itself.\n\n"
    "| Try | Result |\n|---|---|\n| 391 ÷ 13 | 30.08 |\n| 391 ÷ 17 | **23** |"
)
CLOUD_PROMPT = (
    "Draft a two-line status note on Project Nightjar for ana.silva@example.org; "
    "she can call me on +44 20 7946 0958."
)
COMPRESSION = 0  # Qt's PNG "quality": 0 is zlib's strongest compression


@dataclass
class Made:
    """What the screens show, made once and drawn in every theme and size."""

    chat: int = 0
    thinking: int = 0
    thinking_answer: int = 0
    cloud: int = 0
    consent_request: object = None


class Shooter:
    """Runs the event loop until the window is ready and saves what a person would see."""

    def __init__(self, app, out: Path):
        self.app, self.out = app, out
        self.window = None  # the window being drawn, for the timeout message
        self.saved: list[Path] = []

    def pump(self, until, timeout_s: float = 120.0) -> None:
        """Run the event loop (asleep between events, as the real app is) until ``until()``."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop, poll = QEventLoop(), QTimer(interval=30)
        end = time.monotonic() + timeout_s
        poll.timeout.connect(lambda: (until() or time.monotonic() > end) and loop.quit())
        poll.start()
        loop.exec()
        poll.stop()
        if not until():
            import faulthandler

            faulthandler.dump_traceback(all_threads=True)
            w = self.window
            state = w and (w.status_state.text(), w.notice.text())
            raise TimeoutError(f"the window did not finish in time: {state}")

    def settle(self) -> None:
        """Let layouts and repaints after a resize or a show run."""
        for _ in range(3):
            self.app.processEvents()
        self.pump(lambda: True)

    def shoot(self, screen: str, theme: str, window, dialog=None, *, fill: float = 0.0) -> None:
        """``window`` at each size, with ``dialog`` (if any) centred over it: at its own size,
        or at least ``fill`` of the screen for the dialogs with lists to show."""
        from PySide6.QtCore import QPoint, QRect
        from PySide6.QtGui import QColor, QPainter, QPixmap

        for width, height in SIZES:
            window.setGeometry(0, 0, width, height)
            if dialog is not None:
                own = dialog.sizeHint().expandedTo(dialog.size())
                dialog.resize(
                    min(max(own.width(), int(width * fill)), width * 9 // 10),
                    min(max(own.height(), int(height * fill)), height * 9 // 10),
                )
                dialog.show()
            self.settle()
            canvas = QPixmap(width, height)
            canvas.setDevicePixelRatio(1)
            painter = QPainter(canvas)
            painter.drawPixmap(0, 0, window.grab())
            if dialog is not None:
                place = QRect(QPoint(0, 0), dialog.size())
                place.moveCenter(QRect(0, 0, width, height).center())
                painter.fillRect(QRect(0, 0, width, height), QColor(0, 0, 0, 70))  # behind: dim
                painter.drawPixmap(place.topLeft(), dialog.grab())
                painter.setPen(window.palette().mid().color())
                painter.drawRect(place.adjusted(-1, -1, 0, 0))
            painter.end()
            path = self.out / f"{screen}-{width}-{theme}.png"
            if not canvas.toImage().save(str(path), "PNG", COMPRESSION):
                raise OSError(f"could not write {path}")
            self.saved.append(path)


def main(out_dir: str, *, gpu_only: bool = False) -> int:
    out = Path(out_dir).absolute()
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ENCLAVE_HOME", tempfile.mkdtemp(prefix="enclave-shots-"))
    os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"  # the hub is never needed: refuse it here
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))  # the loopback stand-ins and document fixtures

    from PySide6.QtWidgets import QApplication

    from app.core.platform import runtime
    from app.ui import theme

    app = QApplication([sys.argv[0]])
    rt = runtime.start()
    rt.update_settings(temperature=0.2, max_answer_tokens=200)
    shooter = Shooter(app, out)
    started = time.monotonic()
    if gpu_only:
        theme.apply(app, "light")
        rt.update_settings(max_answer_tokens=24)
        window = open_window(rt, shooter)
        window._on_welcome_dismissed()
        window.input.setPlainText("What is the capital of France?")
        window.send()
        shooter.pump(window.idle, timeout_s=600)
        window.setGeometry(0, 0, *SIZES[0])
        shooter.settle()
        window.grab().save(str(out / "gpu.png"))
        window.close()
        print(out / "gpu.png")
        return 0
    theme.apply(app, "light")
    made = make_conversations(rt, shooter)
    print(f"conversations made in {time.monotonic() - started:.1f} s", file=sys.stderr)
    for choice in THEMES:
        theme.apply(app, choice)
        draw_screens(rt, shooter, made, choice)
    theme.apply(app, "light")
    print(*shooter.saved, sep="\n")
    print(
        f"{len(shooter.saved)} screenshots in {time.monotonic() - started:.1f} s", file=sys.stderr
    )
    return 0


def open_window(rt, shooter: Shooter):
    """The main window, once it has loaded the model."""
    from app.ui.chat.main_window import MainWindow

    window = MainWindow(rt)
    shooter.window = window
    window.setGeometry(0, 0, *SIZES[0])
    window.show()
    shooter.pump(window.idle)
    return window


def make_conversations(rt, shooter: Shooter) -> Made:
    """A chat with the starter model, a stored thinking answer, a cloud answer, a document
    collection: everything the screens show."""
    made = Made()
    window = open_window(rt, shooter)
    window._on_welcome_dismissed()  # the person keeps the starter model for now
    for prompt in PROMPTS:
        window.input.setPlainText(prompt)
        window.send()
        shooter.pump(window.idle)
    made.chat = window.session.conversation_id
    made.thinking, made.thinking_answer = store_thinking_answer(window.store)
    ask_organisation(rt, shooter, window, made)
    index_documents(shooter, window)
    window.close()
    return made


def store_thinking_answer(store) -> tuple[int, int]:
    """A reasoning model's answer as the store keeps it: the thinking apart from the text."""
    conversation = store.create_conversation("Is 391 prime?")
    store.add_message(conversation.id, "user", THINKING_QUESTION)
    answer = store.add_message(
        conversation.id, "assistant", "", model="Qwen3-1.7B-Q4_K_M", engine="local"
    )
    store.finish_message(
        answer.id,
        THINKING_ANSWER,
        thinking=THINKING,
        thinking_ms=4200,
        completion_tokens=94,
        tokens_per_s=21.5,
    )
    return conversation.id, answer.id


def ask_organisation(rt, shooter: Shooter, window, made: Made) -> None:
    """The organisation's server (llama.cpp's own server on loopback): plan, consent, answer."""
    from provider_server import LlamaServer, ProviderProxy

    from app.core.cloud.providers import ProviderRegistry
    from app.core.models.installed import starter_model_path
    from app.core.privacy import consent

    server = LlamaServer(starter_model_path())
    proxy = ProviderProxy(server.port)
    try:
        ProviderRegistry(rt.paths.providers_file).add(
            "Lab",
            base_url=proxy.base_url,
            tier="org",
            model="starter",
            context_length=2048,
            price_in=0.2,
            price_out=0.6,
        )
        rt.update_settings(cloud_allowed=True, redaction_terms=["Nightjar"])
        window.session.providers_changed()
        window.new_chat()
        planned = {}  # what the Ask cloud… button gets, planned on the model thread
        window.models.cloud_planned.connect(lambda _, plan: planned.update(plan=plan))
        window.models.plan_cloud(None, CLOUD_PROMPT, "Lab", None)
        shooter.pump(lambda: "plan" in planned)
        plan = planned["plan"]
        made.consent_request = plan.request
        window.session.send_cloud(plan, consent.CONVERSATION)
        shooter.pump(window.idle)
        made.cloud = window.session.conversation_id
    finally:
        proxy.close()
        server.close()


def index_documents(shooter: Shooter, window) -> None:
    from docs_files import make_mixed_folder

    folder = make_mixed_folder(Path(tempfile.mkdtemp(prefix="enclave-docs-")) / "Company docs")
    window.show_documents()
    dialog = window.documents_dialog
    dialog.new_collection("Company docs")
    done = []
    window.indexing.finished.connect(done.append)
    dialog.add_paths([folder], "Company docs")
    shooter.pump(lambda: bool(done) and not window.indexing.busy)
    dialog.close()


def draw_screens(rt, shooter: Shooter, made: Made, choice: str) -> None:
    """Every screen in one theme: a fresh window, so everything is drawn in its colours."""
    from app.ui.cloud.audit_dialog import AuditDialog
    from app.ui.cloud.consent_dialog import ConsentDialog

    window = open_window(rt, shooter)
    shoot = shooter.shoot

    window.new_chat()  # only the starter model: the first-run welcome and its suggestion
    panel = window.welcome
    shooter.pump(lambda: panel.download_button.isEnabled() or bool(panel.status.text()))
    shoot("welcome", choice, window)
    window._on_welcome_dismissed()

    window.open_conversation(made.chat)
    shoot("chat", choice, window)
    window.open_conversation(made.thinking)
    window.chat.toggle_thinking(made.thinking_answer)  # unfolded, as after a click on its line
    shoot("thinking", choice, window)
    window.open_conversation(made.cloud)
    shoot("cloud-answer", choice, window)

    window.new_chat()
    window.input.setPlainText(CLOUD_PROMPT)
    consent_dialog = ConsentDialog(made.consent_request, window)
    shoot("consent", choice, window, consent_dialog)
    consent_dialog.close()
    window.input.clear()

    window.open_conversation(made.chat)
    window.show_models()
    models = window.models_dialog
    models.tabs.setCurrentIndex(0)  # Discover, with the catalog's fit labels
    models._show_catalog()
    shooter.pump(lambda: models._machine is not None and models.results.count() > 0)
    models._show_catalog()
    shoot("models", choice, window, models, fill=0.8)
    models.close()

    window.show_documents()
    shoot("documents", choice, window, window.documents_dialog, fill=0.7)
    window.documents_dialog.close()

    audit = AuditDialog(window, paths=rt.paths)
    audit.verify()
    shoot("audit", choice, window, audit, fill=0.7)
    audit.close()

    window.show_settings()
    shoot("settings", choice, window, window.settings_dialog)
    window.settings_dialog.close()

    window.show_api_server()
    shoot("api-server", choice, window, window.api_dialog, fill=0.6)
    window.api_dialog.close()
    window.close()
    window.deleteLater()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--gpu"]
    sys.exit(main(args[0] if args else "docs/screenshots", gpu_only="--gpu" in sys.argv))
