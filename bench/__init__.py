"""Enclave's benchmarks (run.py) and what they share."""


class Failed(RuntimeError):
    """A measurement that did not measure what it claims (a wait that ran out, an answer that
    never streamed, a search that found nothing): its number would be meaningless."""
