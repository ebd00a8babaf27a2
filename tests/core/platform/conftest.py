"""Fixtures for the start-up tests."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def clean_logging():
    """Let runtime.start() configure logging afresh, and put the test run's logging back after."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    for handler in before:
        if getattr(handler, "_enclave", False):  # one left by an earlier start in this process
            root.removeHandler(handler)
    yield
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    for handler in before:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
