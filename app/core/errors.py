"""Errors a person can act on.

Every error that reaches a user is an EnclaveError whose message is a whole sentence naming what
went wrong and what to do. Anything else is a bug: it goes to the log file, and the user sees a
short apology pointing there.
"""


class EnclaveError(Exception):
    """An error whose message is written for the person using the app."""


class ModelFileError(EnclaveError):
    """A model file is missing, empty, damaged or not a GGUF file."""

    def __init__(self, message: str, path=None):
        super().__init__(message)
        self.path = path


class NoModelError(EnclaveError):
    """No model is installed or the chosen one cannot be found."""


class EmptyMessageError(EnclaveError):
    """The user tried to send nothing."""


class ConversationNotFoundError(EnclaveError):
    """A conversation id that is not in the store."""
