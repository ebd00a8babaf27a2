"""`enclave config`: read or change a setting."""

from __future__ import annotations

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
    if args.config_command == "get":
        if args.key is None:
            for name, value in settings_mod.values(rt.settings).items():
                print(f"{name} = {json.dumps(value)}")
            return 0
        print(json.dumps(getattr(rt.settings, settings_mod.field_name(args.key))))
        return 0
    name = settings_mod.field_name(args.key)
    current = getattr(rt.settings, name)
    if isinstance(current, str):
        value = args.value
    elif isinstance(current, list) and not args.value.lstrip().startswith("["):
        value = settings_mod.comma_list(args.value)
    else:
        try:
            value = json.loads(args.value)
        except ValueError:
            raise EnclaveError(
                f"Settings not changed: {name} should be {type(current).__name__}, "
                f"not {args.value!r}."
            ) from None
    rt.update_settings({name: value})  # SettingsError says what is wrong; nothing changes
    new = getattr(rt.settings, name)
    print(f"{name} = {json.dumps(new)}")
    for text in policy.overrides(name, new):
        notice(text)
    return 0
