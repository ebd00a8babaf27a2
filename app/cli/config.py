"""`enclave config`: read or change a setting."""

from __future__ import annotations

import dataclasses
import json

from app.cli.common import notice
from app.core.errors import EnclaveError
from app.core.platform import runtime
from app.core.platform import settings as settings_mod
from app.core.privacy import policy


def add_parser(sub) -> None:
    config = sub.add_parser("config", help="read or change a setting")
    c = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    get = c.add_parser("get", help="show one setting, or all")
    get.add_argument("key", nargs="?")
    cset = c.add_parser("set", help="change a setting")
    cset.add_argument("key")
    cset.add_argument("value")


def run(rt: runtime.Runtime, args) -> int:
    fields = {f.name: f for f in dataclasses.fields(settings_mod.Settings) if f.name != "notices"}
    if args.config_command == "get":
        if args.key is None:
            for name in fields:
                print(f"{name} = {json.dumps(getattr(rt.settings, name))}")
            return 0
        print(json.dumps(getattr(rt.settings, settings_mod.field_name(args.key))))
        return 0
    name = settings_mod.field_name(args.key)
    current = getattr(rt.settings, name)
    try:
        if isinstance(current, str):
            value = args.value
        elif isinstance(current, list) and not args.value.lstrip().startswith("["):
            value = settings_mod.comma_list(args.value)
        else:
            value = json.loads(args.value)
        new = settings_mod.coerce(name, value, current)
        setattr(rt.settings, name, new)
        rt.settings.validate()
    except ValueError as exc:
        raise EnclaveError(f"Not changed: {exc}.") from None
    rt.save_settings()
    print(f"{name} = {json.dumps(new)}")
    for text in policy.overrides(name, new):
        notice(text)
    return 0
