"""The window's side of the local API server."""
