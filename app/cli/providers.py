"""`enclave providers …`: cloud APIs and your organisation's model servers (asking one is
`enclave ask --provider`; what left is `enclave audit`)."""

from __future__ import annotations

import sys

from app.cli.common import notice, print_json
from app.core.cloud.providers import PRESETS, ProviderRegistry
from app.core.platform import runtime
from app.core.privacy.keyring_store import KeyringStore


def add_parser(sub) -> None:
    prov = sub.add_parser("providers", help="cloud APIs and your organisation's model servers")
    p = prov.add_subparsers(dest="providers_command", metavar="ACTION", required=True)
    lst = p.add_parser("list", help="your providers, their trust tier and whether a key is saved")
    lst.add_argument("--json", action="store_true")
    p.add_parser("presets", help="the providers Enclave knows how to reach")
    add = p.add_parser("add", help="add a provider (then save its key: enclave keys set NAME)")
    add.add_argument("name")
    add.add_argument("--preset", choices=sorted(PRESETS), help="a known cloud provider")
    add.add_argument(
        "--base-url", help="the OpenAI-compatible API's address, e.g. https://llm.example.org/v1"
    )
    add.add_argument(
        "--tier",
        choices=("org", "cloud"),
        help="who runs it: org (your organisation) or cloud (a third party)",
    )
    add.add_argument("--model", help="the model to use unless another is asked for")
    add.add_argument("--context", type=int, help="the model's context window, in tokens")
    add.add_argument("--price-in", type=float, help="US$ per million prompt tokens")
    add.add_argument("--price-out", type=float, help="US$ per million answer tokens")
    add.add_argument("--no-key", action="store_true", help="the server needs no API key")
    rm = p.add_parser("remove", help="remove a provider and its key")
    rm.add_argument("name")
    models = p.add_parser("models", help="list the provider's models (also tests the key)")
    models.add_argument("name")


def _registry(rt) -> ProviderRegistry:
    return ProviderRegistry(rt.paths.providers_file)


def run(rt: runtime.Runtime, args) -> int:
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
            print_json(
                [
                    {**p.as_json(), "tier_label": p.tier_label, "key_saved": p.key_name in saved}
                    for p in providers
                ]
            )
            return 0
        if not providers:
            notice(
                "no providers yet. Add one: enclave providers add NAME --preset openai "
                "(or --base-url URL --tier org)"
            )
        for p in providers:
            key = (
                "key saved" if p.key_name in saved else "no key" if p.needs_key else "no key needed"
            )
            print(
                f"{p.name:<16} {p.tier_label:<18} {p.host:<36} {p.default_model or '-':<24} {key}"
            )
        return 0
    if command == "add":
        p = registry.add(
            args.name,
            preset=args.preset,
            base_url=args.base_url,
            tier=args.tier,
            model=args.model,
            context_length=args.context,
            price_in=args.price_in,
            price_out=args.price_out,
            needs_key=False if args.no_key else None,
        )
        print(f"Added {p.name}: {p.tier_label}, {p.base_url}.")
        hints = []
        if p.needs_key:
            hints.append(f'save its key: enclave keys set "{p.name}"')
        if not rt.settings.cloud_allowed:
            hints.append("allow providers at all: enclave config set cloud.allowed true")
        if hints:
            print("Next: " + "; ".join(hints) + ".", file=sys.stderr)
        return 0
    if command == "remove":
        from app.core.chat.store import Store
        from app.core.cloud.chat import remove_provider

        with Store(rt.paths.database) as store:
            p, said = remove_provider(registry, keys, store, args.name)
        print(f"Removed {p.name}" + (": " + "; ".join(said) if said else "") + ".")
        return 0
    if command == "models":
        from app.core.engines.remote import list_models

        for model in list_models(registry.get(args.name), rt.settings, keys, paths=rt.paths):
            print(model)
        return 0
    raise AssertionError(command)
