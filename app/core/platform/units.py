"""Numbers as people read them."""


def size_text(n: int | None) -> str:
    """Bytes as "98.4 MB" or "4.92 GB" ("?" when unknown)."""
    if n is None:
        return "?"
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


def bytes_text(n: int) -> str:
    """Bytes as people read them at any size: "512 B", "48 KB", "1.5 KB", then ``size_text``'s
    "98.4 MB" and "4.92 GB" (a chat request is a few kilobytes: "0.0 MB" says nothing)."""
    if n < 1000:
        return f"{n} B"
    if n < 999_500:  # past it, "1000 KB" is "1.0 MB"
        kb = n / 1000
        return f"{kb:.0f} KB" if kb >= 99.95 else f"{kb:.1f}".removesuffix(".0") + " KB"
    return size_text(n)
