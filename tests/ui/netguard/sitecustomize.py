"""Record and refuse every connection a Python process tries to open off this machine (browser tests only).

The browser tests put this folder first on the dashboard server's ``PYTHONPATH`` and name a file in
``COPROD_SIM_OUTBOUND_LOG``; Python imports ``sitecustomize`` at start-up, so every name lookup and
connect of the server (``requests``, ``urllib``, asyncio, anything on Python's sockets) passes
here. One that would leave the machine is written to the file, one line each, and fails as if the
network were down, so a test sees it without anything being sent.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import traceback
from pathlib import Path

LOG = os.environ.get("COPROD_SIM_OUTBOUND_LOG")
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_local(host: object) -> bool:
    """Whether ``host`` (a name or address, or None for "any") stays on this machine."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).strip("[]").lower()
    if text in ("", *LOCAL_NAMES):
        return True
    try:
        ip = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified  # unspecified: binding to all addresses, not a destination


def record(what: str, host: object, port: object) -> None:
    """Append one attempt to the log, with the few calls that led to it (who tried)."""
    frames = [f for f in traceback.extract_stack() if f.filename != __file__][-5:]
    caller = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(f"{what} {host!r} port {port!r} from {caller}\n")


if LOG:
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, port, *args, **kwargs):
        if not is_local(host):
            record("lookup", host, port)
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: blocked by the browser tests (nothing leaves)")
        return real_getaddrinfo(host, port, *args, **kwargs)

    def refused(sock: socket.socket, address: object) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or is_local(address[0]):
            return False
        record("connect", address[0], address[1])
        return True

    def connect(self, address):
        if refused(self, address):
            raise ConnectionRefusedError(f"{address[0]}: blocked by the browser tests (nothing leaves)")
        return real_connect(self, address)

    def connect_ex(self, address):
        if refused(self, address):
            import errno

            return errno.ECONNREFUSED
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
