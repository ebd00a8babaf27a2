"""This machine and this installation: folders, settings, start-up, hardware, logs, and
the self-test."""
