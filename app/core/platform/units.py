"""Numbers as people read them."""


def size_text(n: int | None) -> str:
    """Bytes as "98.4 MB" or "4.92 GB" ("?" when unknown)."""
    if n is None:
        return "?"
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"
