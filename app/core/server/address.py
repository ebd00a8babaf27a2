"""Where the local API listens unless told otherwise. Kept apart from ``listen`` (which loads the
web server) so the window can show the default without loading it."""

DEFAULT_HOST = "127.0.0.1"
# Taken by no well-known local AI app (GPT4All 4891, Jan 1337, LM Studio 1234, Ollama 11434,
# koboldcpp 5001, llama.cpp 8080, vLLM 8000) nor a common development server.
DEFAULT_PORT = 4811
