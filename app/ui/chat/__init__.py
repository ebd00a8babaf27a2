"""The main window: the conversation, the list, the input, the model thread."""
