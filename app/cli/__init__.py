"""The `enclave` command (see main.py); `python -m app.cli` runs it too."""

from app.cli.main import main

__all__ = ["main"]
