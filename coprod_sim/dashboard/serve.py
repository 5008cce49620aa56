"""``coprod-sim dashboard``: serve the dashboard to a web browser, from this machine only by default.

The server sends nothing off this machine: the page's JavaScript and CSS come from the asset
cache that ``coprod-sim assets install`` fills, and a file that is not there is a 404 at once
(:class:`OfflineAssets`), where Solara's proxy would fetch it from a public CDN. Solara's usage
reports are off.

Start-up is kept short: this module imports only the standard library, Solara is imported once its
settings are in the environment, and the model (Mesa, pandas) only once the server listens, while
the browser loads the page (:func:`coprod_sim.dashboard.app.preload_model`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from coprod_sim.config import ConfigError
from coprod_sim.limits import named

__all__ = [
    "CDN_PATH",
    "OfflineAssets",
    "cached_file",
    "check_port",
    "dashboard_command",
    "is_loopback",
    "offline_app",
    "page_url",
]

APP = "coprod_sim.dashboard.app:Page"
#: Where Solara's page asks for its JavaScript and CSS (Solara's CDN proxy).
CDN_PATH = "/_solara/cdn"
MAX_MISSES_SHOWN = 100  # distinct packages named in the server's output; then quiet (a scanner can ask for any)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """Return True if ``host`` is this machine only (``localhost``, ``127.0.0.1``, ``::1``, ...)."""
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_port(host: str, port: int) -> None:
    """Fail with one line now, rather than in the server's log, when the address cannot be used.

    Raises
    ------
    ConfigError
        If ``host`` is not an address of this machine, or ``port`` is taken there.
    """
    import socket

    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ConfigError(f"--host {named(host)}: not an address of this machine ({exc.strerror})") from None
    except (UnicodeError, ValueError):  # a name no resolver takes: too long a label, a NUL character
        raise ConfigError(f"--host {named(host)}: not a host name or an address of this machine") from None
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {named(host)} port {port} ({exc.strerror}); is the dashboard already running? "
                "Choose another port with --port"
            ) from None


def page_url(host: str, port: int) -> str:
    """Return the address a browser on this machine opens for a server on ``host`` and ``port``."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # all addresses: this machine's is one
    return f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"


def cached_file(cache_dir: Path, rel: str) -> Path | None:
    """Return the file of the asset cache that Solara's proxy sends for ``/_solara/cdn/<rel>``, or None.

    None when no such file is there, and for any path that could leave the cache (``..``) or names
    a folder (Solara's proxy deletes a cached folder it is asked for, then fetches the name again).
    """
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or "\\" in rel or "\0" in rel:
        return None
    if len(parts) == 1:  # a bare package@version: Solara keeps the package's main file under this name
        parts.append("__main.js")
    path = cache_dir.joinpath(*parts)
    return path if path.is_file() else None


class OfflineAssets:
    """ASGI middleware: answer a request for a front-end file missing from the asset cache with 404, at once.

    Solara's CDN proxy fetches such a file from a public CDN, four tries over about 7 s while a
    worker thread waits (60 such requests at once stalled ``/readyz`` for 11 s). Files that are
    there, and every other request, go to Solara's app unchanged. Each missing package is named
    once in the server's output, saying how to install the page's files.
    """

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], cache_dir: Path | str) -> None:
        self.app = app
        self.cache_dir = Path(cache_dir)
        self.missed: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one ASGI connection: a missing CDN file here, anything else in Solara's app."""
        if scope["type"] == "http":
            rel = _cdn_request(scope)
            if rel is not None and cached_file(self.cache_dir, rel) is None:
                self._report(rel)
                await _not_found(send)
                return
        await self.app(scope, receive, send)

    def _report(self, rel: str) -> None:
        parts = rel.strip("/").split("/")
        package = "/".join(parts[:2] if parts[0].startswith("@") else parts[:1])
        if package in self.missed or len(self.missed) >= MAX_MISSES_SHOWN:
            return
        self.missed.add(package)
        print(
            f"coprod-sim: warning: {CDN_PATH}/{rel} is not among the dashboard's front-end files in {self.cache_dir}: "
            "answered 404, nothing fetched from the internet; if the page looks broken, "
            "run 'coprod-sim assets install'",
            file=sys.stderr,
            flush=True,
        )


def _cdn_request(scope: Scope) -> str | None:
    """Return the part of the request's path after ``/_solara/cdn/``, or None if it is not for the CDN proxy."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root + "/"):  # as Starlette routes under a prefix (behind a proxy)
        path = path[len(root) :]
    if path == CDN_PATH or path.startswith(CDN_PATH + "/"):
        return path[len(CDN_PATH) + 1 :]
    return None


async def _not_found(send: Send) -> None:
    body = b"Not found on this machine; the dashboard fetches nothing from the internet\n"
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),  # after 'assets install' the browser asks again
    ]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def offline_app() -> OfflineAssets:
    """Return Solara's app behind :class:`OfflineAssets` (uvicorn calls this once the server starts)."""
    import solara.server.starlette
    from solara.server import settings

    return OfflineAssets(solara.server.starlette.app, settings.assets.proxy_cache_dir)


def dashboard_command(args: argparse.Namespace) -> int:
    """Serve the dashboard on ``args.host`` and ``args.port`` until Ctrl-C; return the exit status.

    Refuses to start (``AssetsError``) while the page's front-end files are missing, and
    (``ConfigError``) when the address cannot be used.
    """
    host, port = args.host, args.port
    check_port(host, port)  # before anything says "listening" on an address that cannot be used
    _set_solara_environment(host, port)
    _require_assets()
    if not is_loopback(host):
        print(
            f"coprod-sim: warning: listening on {host}: anyone who can reach this machine on port {port} "
            "can use the dashboard (it has no login)",
            file=sys.stderr,
        )
    server = _server(host, port)
    url = page_url(host, port)
    threading.Thread(
        target=_when_listening, args=(server, url, args.open), name="coprod-sim-listening", daemon=True
    ).start()
    print(f"coprod-sim dashboard: {url} (press Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn stops on Ctrl-C, then raises it again for us
        server.run()
    if not server.started:
        print(f"coprod-sim: error: the dashboard server did not start on {host} port {port}", file=sys.stderr)
        return 1
    print("coprod-sim: dashboard stopped", file=sys.stderr)
    return 0


def _set_solara_environment(host: str, port: int) -> None:
    """Set what Solara reads once, when it is first imported."""
    # Our app, production mode, the page's JavaScript and CSS from this machine (the CDN proxy and
    # its cache; OfflineAssets keeps the proxy from fetching), no usage reports sent out.
    os.environ["SOLARA_APP"] = APP
    os.environ["SOLARA_MODE"] = "production"
    os.environ["SOLARA_ASSETS_PROXY"] = "true"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "false"  # "This website runs on Solara", a link off this machine
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    # Solara gzips each front-end file (4 MB) at level 9 when a fresh server first sends it, about
    # 0.2 s of CPU while the first page waits; bytes cost nothing over loopback, so compress only
    # for other machines (unless told otherwise, e.g. behind a proxy that compresses).
    os.environ.setdefault("SOLARA_SERVER_HTTP_GZIP", "false" if is_loopback(host) else "true")


def _require_assets() -> None:
    """Refuse to start, saying what to run, while any of the page's front-end files is missing."""
    from coprod_sim.dashboard import assets

    missing = assets.check(thorough=False)  # the full check takes a second; 'assets check' does it
    if missing:
        raise assets.AssetsError(
            f"the dashboard's front-end files are missing ({', '.join(map(str, missing[:3]))}"
            f"{', ...' if len(missing) > 3 else ''} in {assets.default_target()}); run 'coprod-sim assets install' "
            "once (it needs the npm registry), then start the dashboard again"
        )


def _server(host: str, port: int) -> Any:
    """Build the uvicorn server of Solara's app, with Solara's settings also applied in this process."""
    import warnings

    import solara.server.settings
    import solara.settings
    import uvicorn

    # Solara warns, on the first page load over plain http from an address other than "localhost", that its
    # session cookie falls back to SameSite=Lax; that only matters when the page is embedded in another site.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    solara.settings.assets.proxy = True  # also when Solara was imported before (tests, notebooks)
    solara.server.settings.main.mode = "production"
    solara.server.settings.telemetry.mixpanel_enable = False
    solara.server.settings.theme.show_banner = False
    return uvicorn.Server(
        uvicorn.Config(
            f"{__name__}:offline_app",
            factory=True,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=3,
        )
    )


def _when_listening(server: Any, url: str, open_browser: bool) -> None:
    """Import the model while the first browser loads the page's scripts; then open the browser if asked."""
    while not server.started and not server.should_exit:
        time.sleep(0.02)
    if not server.started:
        return
    from coprod_sim.dashboard import app

    app.preload_model()
    if open_browser:
        import webbrowser

        webbrowser.open(url)
