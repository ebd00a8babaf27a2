"""The local OpenAI-compatible API (`enclave serve`): other apps on this computer use Enclave's
local models, behind a key, a Host check and the administrator's policy. It only ever runs local
engines; nothing it receives is stored as a conversation."""
