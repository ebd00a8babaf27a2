"""The helper that answers dialogs for tests: an answer ends at its deadline or at teardown, so it
can never click a dialog that a later test opens."""

from __future__ import annotations

from consent_helper import DialogAnswerer
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

YES, NO = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


def _later_question() -> QMessageBox.StandardButton:
    """A dialog that belongs to someone else: its own timer picks No after 300 ms."""
    box = QMessageBox(QMessageBox.Icon.Question, "A later test's dialog", "Yours?", YES | NO)
    QTimer.singleShot(300, box.button(NO).click)
    return box.exec()


def _clicking_yes(clicked: list):
    def act(box):
        clicked.append(box)
        box.button(YES).click()

    return act


def test_an_answer_ends_at_teardown(qtbot):
    answerer, clicked = DialogAnswerer(), []
    answerer.answer(QMessageBox, _clicking_yes(clicked))
    assert answerer.close() == ["QMessageBox"]  # what the fixture reports as never opened
    assert _later_question() == NO and clicked == []


def test_an_answer_gives_up_at_its_deadline(qtbot):
    answerer, clicked = DialogAnswerer(), []
    answerer.answer(QMessageBox, _clicking_yes(clicked), deadline_s=0.1)
    qtbot.waitUntil(lambda: not answerer.waiting(), timeout=2_000)
    assert answerer.missed == ["QMessageBox"]
    assert _later_question() == NO and clicked == []
    assert answerer.close() == ["QMessageBox"]


def test_an_answer_clicks_its_dialog_once(qtbot):
    answerer, clicked = DialogAnswerer(), []
    answerer.answer(QMessageBox, _clicking_yes(clicked))
    assert _later_question() == YES and len(clicked) == 1
    assert answerer.close() == []
