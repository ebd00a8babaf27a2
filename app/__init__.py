"""Enclave: a private AI assistant that lives on your computer."""

__version__ = "0.1.0"
APP_NAME = "Enclave"
