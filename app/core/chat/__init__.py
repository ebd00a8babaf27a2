"""Conversations: the turn (assistant), fitting the context, the store, export."""
