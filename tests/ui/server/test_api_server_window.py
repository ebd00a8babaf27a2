"""The window's Local API server switch: the real openai SDK chats through it while the window
chats too, both answered by the one model the app holds; the request list shows who asked what
model (never the text); switching off closes the port."""

from __future__ import annotations

import socket
import threading

import pytest
from PySide6.QtCore import Qt

from app.core.server import key as key_mod


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_the_switch_serves_the_windows_model_to_other_apps(qtbot, make_window, wait_idle):
    import gc

    import openai

    from app.core.engines.local import LocalEngine

    def loaded() -> set[int]:  # chat engines holding a model now, in this process
        return {id(o) for o in gc.get_objects() if isinstance(o, LocalEngine) and o._llama}

    before = loaded()  # other tests' engines, not yet collected, are not this test's
    window = make_window(max_answer_tokens=24)
    qtbot.waitUntil(lambda: window.services.runner.loaded_model is not None, timeout=60_000)
    window.show_api_server()
    dialog, api = window.api_dialog, window.services.api
    dialog.port.setValue(_free_port())
    with qtbot.waitSignal(api.started, timeout=30_000) as started:
        qtbot.mouseClick(dialog.switch, Qt.MouseButton.LeftButton)
    url = started.args[0]
    assert dialog.url.text() == url and url.startswith("http://127.0.0.1:")
    key = key_mod.current(window.rt.paths)
    dialog.copy_key.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == key

    # Another app asks while the window answers: the runner takes both, one after the other.
    client = openai.OpenAI(base_url=url, api_key=key, timeout=120)  # retries a 503 as told
    outcome: dict = {}

    def other_app():
        try:
            model = client.models.list().data[0].id
            stream = client.chat.completions.create(
                model=model,
                messages=[{"role": "user", "content": "Say hello."}],
                max_tokens=16,
                stream=True,
            )
            outcome["text"] = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
            outcome["model"] = model
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            outcome["error"] = repr(exc)

    asking = threading.Thread(target=other_app)
    asking.start()
    window.input.setPlainText("Tell me about lighthouses.")
    window.send()
    qtbot.waitUntil(lambda: not asking.is_alive(), timeout=120_000)
    wait_idle(window)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["text"].strip()
    assert window.store.messages(window.session.conversation_id)[-1].content.strip()
    # One model in memory: the window's turns and the API's requests share the app's runner,
    # and one chat model is loaded in this process.
    assert window.models.runner is window.services.runner
    assert len(loaded() - before) == 1

    # The request list: the chat request with its model and tokens, never its text.
    qtbot.waitUntil(lambda: dialog.table.rowCount() >= 2, timeout=10_000)
    rows = [
        [dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
        for r in range(dialog.table.rowCount())
    ]
    chat = next(r for r in rows if r[2] == outcome["model"])
    assert chat[1].startswith("127.0.0.1:") and "+" in chat[3] and chat[5] == "200"
    assert not any("hello" in cell.lower() for row in rows for cell in row)

    with qtbot.waitSignal(api.stopped, timeout=10_000):
        qtbot.mouseClick(dialog.switch, Qt.MouseButton.LeftButton)
    assert not dialog.switch.isChecked() and dialog.url.text() == "Not serving."
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_a_port_in_use_is_explained(qtbot, make_window):
    window = make_window()
    window.show_api_server()
    dialog, api = window.api_dialog, window.services.api
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        dialog.port.setValue(taken.getsockname()[1])
        with qtbot.waitSignal(api.failed, timeout=30_000) as failed:
            dialog.switch.setChecked(True)
    assert "Another program may be using the port" in failed.args[0]
    assert dialog.status.text() == failed.args[0]
    assert not dialog.switch.isChecked() and not api.running
