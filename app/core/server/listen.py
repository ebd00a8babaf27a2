"""Running the API: where it may listen (this computer only, unless the user says otherwise and
the administrator allows it), and the uvicorn server that stops cleanly on Ctrl+C or SIGTERM."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable
from typing import Any

from app.core.engines.host import EngineHost
from app.core.engines.runner import ModelRunner
from app.core.errors import EnclaveError
from app.core.models import installed
from app.core.platform.paths import Paths
from app.core.platform.settings import Settings
from app.core.privacy import policy as policy_mod
from app.core.privacy.gate import PolicyError
from app.core.server import key as key_mod
from app.core.server.address import DEFAULT_HOST, DEFAULT_PORT
from app.core.server.app import Api
from app.core.server.guard import HostCheck
from app.core.server.requestlog import RequestLog

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_allowed(host: str, rules: policy_mod.Policy | None = None) -> None:
    """Raise PolicyError if the administrator's policy forbids serving on ``host``."""
    rules = policy_mod.load() if rules is None else rules
    if rules.forbid_api_server:
        raise PolicyError(
            f"Your administrator ({rules.locked_by}) does not allow Enclave's local API server "
            f"on this computer."
        )
    if rules.api_server_loopback_only and not is_loopback(host):
        raise PolicyError(
            f"Your administrator ({rules.locked_by}) allows the local API server only on this "
            f"computer's own address: leave out --host (or use 127.0.0.1)."
        )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host`` (an IP address or localhost) and ``port`` (0: any free)."""
    address = "127.0.0.1" if host == "localhost" else host.strip("[]")
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    except ValueError:
        raise EnclaveError(
            f"--host {host!r} is not an IP address: give one of this computer's addresses "
            f"(127.0.0.1, the default, or e.g. 0.0.0.0 for every network), or localhost."
        ) from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except OSError as exc:
        sock.close()
        raise EnclaveError(
            f"Cannot listen on {host}:{port} ({exc.strerror or exc}). Another program may be "
            f"using the port: choose another with --port."
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/v1"


class ApiServer:
    """The local API on a bound socket, with its own model runner (or one it is given to share,
    e.g. the window's). ``run()`` blocks until Ctrl+C / SIGTERM or ``stop()``."""

    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        model: installed.InstalledModel | None = None,
        runner: ModelRunner | None = None,
        rules: policy_mod.Policy | None = None,
    ):
        check_allowed(host, rules)
        key = key_mod.current(paths)  # created now, so a keyring problem shows before listening
        self.requests = RequestLog()
        self._owns_runner = runner is None
        self.runner = runner or ModelRunner(EngineHost(settings))
        self.model = model
        self.socket = bind(host, port)
        self.host, self.port = host, self.socket.getsockname()[1]
        self.url = base_url(host, self.port)
        self.api = Api(
            paths=paths,
            settings=settings,
            runner=self.runner,
            requests=self.requests,
            hosts=HostCheck(host, self.port),
            key=_refreshing(lambda: key_mod.current(paths), key),
        )
        self._server: Any = None
        self.on_load_failed: Callable[[BaseException], None] | None = None

    def run(self) -> None:
        import uvicorn

        config = uvicorn.Config(
            self.api.asgi,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            server_header=False,
        )
        runner = self.runner

        class Server(uvicorn.Server):
            def handle_exit(self, sig, frame):  # Ctrl+C, SIGTERM: answers in progress end now
                super().handle_exit(sig, frame)
                # A stop asked for is a clean end (exit 0), not the signal raised again after.
                getattr(self, "_captured_signals", []).clear()
                current = runner._current
                if current is not None:
                    current.cancel.set()

        self._server = server = Server(config)
        if self.model is not None:
            loading = self.runner.preload(self.model)
            loading.add_done_callback(self._loaded)
        try:
            server.run(sockets=[self.socket])
        finally:
            self.close()

    def _loaded(self, ticket) -> None:
        try:
            ticket.result(0)
        except BaseException as exc:  # noqa: BLE001 — said by whoever runs the server
            log.error("the model did not load: %s", exc)
            if self.on_load_failed:
                self.on_load_failed(exc)
            self.stop()

    def stop(self) -> None:
        """Ask a running server to stop (from any thread)."""
        if self._server is not None:
            self._server.should_exit = True

    def close(self) -> None:
        self.socket.close()
        self.api.close()
        if self._owns_runner:
            self.runner.stop()


def _refreshing(read: Callable[[], str], first: str) -> Callable[[], str]:
    """The key, read again in the background at most every KEY_REFRESH_S seconds (a rotation
    takes effect; no request waits for the keyring). If the keyring cannot be read meanwhile,
    the last key read stays in force."""
    import threading
    import time

    key, at, busy = [first], [time.monotonic()], threading.Lock()

    def reload() -> None:
        try:
            key[0] = read()
        except EnclaveError as exc:
            log.warning("API key not re-read from the keyring: %s", exc)
        finally:
            busy.release()

    def current() -> str:
        if time.monotonic() - at[0] >= key_mod.KEY_REFRESH_S and busy.acquire(blocking=False):
            at[0] = time.monotonic()
            threading.Thread(target=reload, name="api-key", daemon=True).start()
        return key[0]

    return current
