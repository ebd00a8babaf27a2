"""The Models window."""
