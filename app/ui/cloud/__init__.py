"""Providers in the window: Ask cloud…, the consent dialog, Providers, audit."""
