"""The Documents window, indexing in the background, a source's passage."""
