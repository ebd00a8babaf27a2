"""`enclave providers …`, `enclave audit` and `enclave ask --provider`: the cloud boundary from a
terminal. Nothing is sent without a confirmation typed in the terminal or ``--yes-send``."""

from __future__ import annotations

import json
import sys

from app.core import runtime
from app.core.cloud.providers import PRESETS, TIERS, ProviderRegistry
from app.core.errors import EnclaveError
from app.core.privacy import audit
from app.core.privacy.keyring_store import KeyringStore

NOT_SENT = 3  # `enclave ask --provider` without a confirmation: shown, not sent


def add_parsers(sub) -> None:
    prov = sub.add_parser("providers", help="cloud APIs and your organisation's model servers")
    p = prov.add_subparsers(dest="providers_command", metavar="ACTION", required=True)
    lst = p.add_parser("list", help="your providers, their trust tier and whether a key is saved")
    lst.add_argument("--json", action="store_true")
    p.add_parser("presets", help="the providers Enclave knows how to reach")
    add = p.add_parser("add", help="add a provider (then save its key: enclave keys set NAME)")
    add.add_argument("name")
    add.add_argument("--preset", choices=sorted(PRESETS), help="a known cloud provider")
    add.add_argument("--base-url", help="the OpenAI-compatible API's address, e.g. "
                                        "https://llm.example.org/v1")
    add.add_argument("--tier", choices=("org", "cloud"),
                     help="who runs it: org (your organisation) or cloud (a third party)")
    add.add_argument("--model", help="the model to use unless another is asked for")
    add.add_argument("--context", type=int, help="the model's context window, in tokens")
    add.add_argument("--price-in", type=float, help="US$ per million prompt tokens")
    add.add_argument("--price-out", type=float, help="US$ per million answer tokens")
    add.add_argument("--no-key", action="store_true", help="the server needs no API key")
    rm = p.add_parser("remove", help="remove a provider and its key")
    rm.add_argument("name")
    models = p.add_parser("models", help="list the provider's models (also tests the key)")
    models.add_argument("name")

    aud = sub.add_parser("audit", help="the record of every request that left this device")
    aud.add_argument("--json", action="store_true", help="one JSON array of entries")
    aud.add_argument("--verify", action="store_true",
                     help="check the hash chain; exit 1 if any entry was changed")


def _registry(rt) -> ProviderRegistry:
    return ProviderRegistry(rt.paths.providers_file)


def run_providers(rt: runtime.Runtime, args) -> int:
    registry, keys = _registry(rt), KeyringStore(rt.paths.keys_index)
    command = args.providers_command
    if command == "presets":
        for key, p in PRESETS.items():
            print(f"{key:<11} {p.base_url}  (default model {p.default_model})")
        return 0
    if command == "list":
        saved = set(keys.names())
        providers = registry.all()
        if args.json:
            print(json.dumps([{**p.as_json(), "tier_label": p.tier_label,
                               "key_saved": p.key_name in saved} for p in providers], indent=2))
            return 0
        if not providers:
            print("enclave: no providers yet. Add one: enclave providers add NAME --preset openai "
                  "(or --base-url URL --tier org)", file=sys.stderr)
        for p in providers:
            key = "key saved" if p.key_name in saved else "no key" if p.needs_key \
                else "no key needed"
            print(f"{p.name:<16} {p.tier_label:<18} {p.host:<36} {p.default_model or '-':<24} "
                  f"{key}")
        return 0
    if command == "add":
        p = registry.add(args.name, preset=args.preset, base_url=args.base_url, tier=args.tier,
                         model=args.model, context_length=args.context, price_in=args.price_in,
                         price_out=args.price_out, needs_key=False if args.no_key else None)
        print(f"Added {p.name}: {p.tier_label}, {p.base_url}.")
        hints = []
        if p.needs_key:
            hints.append(f"save its key: enclave keys set \"{p.name}\"")
        if not rt.settings.cloud_allowed:
            hints.append("allow providers at all: enclave config set cloud.allowed true")
        if hints:
            print("Next: " + "; ".join(hints) + ".", file=sys.stderr)
        return 0
    if command == "remove":
        p = registry.remove(args.name)
        try:
            keys.remove(p.key_name)
        except EnclaveError:
            pass  # no keyring: there is no key to remove either
        print(f"Removed {p.name} (and its key from the keyring).")
        return 0
    if command == "models":
        from app.core.engines.remote import list_models

        for model in list_models(registry.get(args.name), rt.settings, keys):
            print(model)
        return 0
    raise AssertionError(command)


def run_audit(rt: runtime.Runtime, args) -> int:
    log = audit.default()
    if args.verify:
        result = log.verify()
        print(result.describe(), file=sys.stdout if result.ok else sys.stderr)
        return 0 if result.ok else 1
    entries = log.entries()
    if args.json:
        print(json.dumps(entries, indent=2, ensure_ascii=False))
        return 0
    if not entries:
        print("enclave: nothing has left this device.", file=sys.stderr)
    for e in entries:
        print(describe_entry(e))
    return 0


def describe_entry(e: dict) -> str:
    import datetime

    when = datetime.datetime.fromtimestamp(e.get("time") or 0).strftime("%Y-%m-%d %H:%M:%S")
    tier = TIERS.get(e.get("tier") or "", e.get("tier") or "")
    model = f" · {e['model']}" if e.get("model") else ""
    chat = f" · chat {e['conversation']}" if e.get("conversation") else ""
    tokens = f" · {e['tokens_sent']}→{e['tokens_received']} tokens" \
        if e.get("tokens_sent") is not None else ""
    return (f"{e.get('seq'):>5}  {when}  {e.get('provider')} ({tier}) {e.get('host')}{model}"
            f"{chat} · {e.get('purpose')} · sent {e.get('bytes_sent')} B, received "
            f"{e.get('bytes_received')} B{tokens} · {e.get('status')} · consent: "
            f"{e.get('consent')}")


def ask(assistant, args, question: str, cancel, on_start, on_piece):
    """``enclave ask --provider``: show the payload; send only when confirmed. None: not sent."""
    from app.core.cloud.chat import CloudChat

    chat = CloudChat(assistant)
    plan = chat.plan(args.chat, question, args.provider, model=args.model,
                     collections=args.docs)
    request = plan.request
    shown = f"{request.heading()}\n{request.redaction_note}\n"
    if request.sources:
        shown += request.documents_note() + "\n"
    shown += f"\n{request.payload_text()}\n"
    for notice in request.notices:
        shown += f"\n({notice})"
    if args.yes_send:
        print(shown, file=sys.stderr)
        kind = "--yes-send"
    elif sys.stdin.isatty() and args.question not in (None, "-"):
        print(shown, file=sys.stderr)
        reply = input(f"Send this to {plan.provider.name}? [y/N] ").strip().lower()
        if reply not in ("y", "yes"):
            print("enclave: nothing was sent.", file=sys.stderr)
            return None
        kind = "confirmed in terminal"
    else:
        sys.stdout.write(shown)
        print(f"enclave: nothing was sent. This is what would go to {plan.provider.name}; "
              f"add --yes-send to send it (or run in a terminal to confirm).", file=sys.stderr)
        return None
    return chat.send(plan, kind, cancel=cancel, on_start=on_start, on_piece=on_piece)
