"""Offline front-end assets: what Solara needs, a safe and atomic install, clear errors (no network used)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest

from coprod_sim.cli import main
from coprod_sim.dashboard import assets
from coprod_sim.dashboard.assets import AssetsError, Package
from coprod_sim.dashboard.serve import OfflineAssets, cached_file, is_loopback


def tarball(files: dict[str, bytes], top: str = "package") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class FakeRegistry:
    """An npm registry on 127.0.0.1: ``/<name>/<version>``, ``/<name>`` and ``/t/<file>.tgz``."""

    def __init__(self) -> None:
        self.versions: dict[str, dict[str, dict]] = {}
        self.blobs: dict[str, bytes] = {}
        self.requests: list[str] = []
        reg = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                reg.requests.append(self.path)
                path = unquote(self.path)
                if path.startswith("/t/") and path[3:] in reg.blobs:
                    return self.reply(reg.blobs[path[3:]], "application/octet-stream")
                if path[1:] in reg.versions:
                    doc = {"name": path[1:], "versions": reg.versions[path[1:]]}
                    return self.reply(json.dumps(doc).encode(), "application/json")
                name, _, version = path[1:].rpartition("/")
                if version in reg.versions.get(name, {}):
                    return self.reply(json.dumps(reg.versions[name][version]).encode(), "application/json")
                self.send_error(404)

            def reply(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, name: str, version: str, files: dict[str, bytes], integrity: str | None = None) -> None:
        blob = tarball(files)
        key = f"{name.replace('/', '-')}-{version}.tgz"
        self.blobs[key] = blob
        dist = {"tarball": f"{self.url}/t/{key}", "integrity": integrity or sri(blob)}
        self.versions.setdefault(name, {})[version] = {"name": name, "version": version, "dist": dist}

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def registry():
    reg = FakeRegistry()
    yield reg
    reg.close()


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(assets.TMP_PREFIX)]


# -- what is needed ------------------------------------------------------------------------------
def test_required_packages_come_from_the_installed_solara():
    pkgs = [str(p) for p in assets.required_packages()]
    template = (assets._solara_dir() / "server" / "templates" / "solara.html.j2").read_text()
    for app in re.findall(r"@widgetti/solara-vuetify3?-app@[\d.]+", template):
        assert app in pkgs
    for name in assets.LAZY:
        assert name in pkgs
    assert len(pkgs) == len(set(pkgs))


def test_every_fixed_cdn_reference_in_solara_is_covered():
    """A Solara upgrade that loads a new package (or a new version) fails here, not in a user's browser."""
    root = assets._solara_dir()
    needed = {str(p) for p in assets.required_packages()}
    found = set()
    for path in root.rglob("*"):
        if "website" in path.parts or path.suffix not in (".vue", ".py", ".js", ".j2") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found |= set(re.findall(r"(?:getCdn\(\)\}|\{\{\s*cdn\s*\}\})/((?:@[\w.-]+/)?[\w.-]+@[0-9][\w.+-]*)/", text))
    assert found, "no CDN reference found in solara: has its layout changed?"
    assert found <= needed, f"solara loads packages that 'coprod-sim assets install' does not: {found - needed}"


def test_package_names_and_folders():
    p = Package.parse("@widgetti/vue-grid-layout@2.3.13-alpha.2")
    assert (p.name, p.spec, p.exact) == ("@widgetti/vue-grid-layout", "2.3.13-alpha.2", True)
    assert p.folder(Path("/c")) == Path("/c/@widgetti/vue-grid-layout@2.3.13-alpha.2")
    assert not Package.parse("vega@5").exact
    with pytest.raises(AssetsError):
        Package.parse("../../etc@1.0.0")


# -- safe unpacking --------------------------------------------------------------------------------
def _tar_with(member: tarfile.TarInfo, data: bytes = b"") -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        ok = tarfile.TarInfo("package/ok.js")
        ok.size = 2
        tar.addfile(ok, io.BytesIO(b"ok"))
        tar.addfile(member, io.BytesIO(data) if member.isreg() else None)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("/etc/evil", tarfile.REGTYPE),
        ("package/../../evil", tarfile.REGTYPE),
        ("package/link", tarfile.SYMTYPE),
        ("package/hard", tarfile.LNKTYPE),
        ("package/dev", tarfile.CHRTYPE),
        ("package/fifo", tarfile.FIFOTYPE),
        ("other/file.js", tarfile.REGTYPE),
    ],
)
def test_unsafe_tarballs_are_refused(tmp_path, name, kind):
    m = tarfile.TarInfo(name)
    m.type = kind
    if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
        m.linkname = "/etc/passwd"
    if kind == tarfile.REGTYPE:
        m.size = 1
    tgz = tmp_path / "p.tgz"
    tgz.write_bytes(_tar_with(m, b"x"))
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(AssetsError, match=r"refusing|top folder"):
        assets.safe_extract(tgz, dest)
    assert not (tmp_path / "evil").exists() and not Path("/etc/evil").exists()


def test_extract_strips_the_top_folder(tmp_path):
    tgz = tmp_path / "p.tgz"
    tgz.write_bytes(tarball({"dist/a.js": b"a", "package.json": b"{}"}))
    files = assets.safe_extract(tgz, tmp_path)
    assert files == ["dist/a.js", "package.json"]
    assert (tmp_path / "dist" / "a.js").read_bytes() == b"a"


# -- install -------------------------------------------------------------------------------------
def test_install_verifies_and_is_idempotent(tmp_path, registry):
    registry.publish("@widgetti/app", "1.2.3", {"dist/main.js": b"main", "dist/fonts.css": b"css"})
    registry.publish("vega", "5.30.0", {"build/vega.min.js": b"v5.30"})
    registry.publish("vega", "5.4.0", {"build/vega.min.js": b"v5.4"})
    registry.publish("vega", "6.0.0", {"build/vega.min.js": b"v6"})
    registry.publish("vega", "5.31.0-rc.1", {"build/vega.min.js": b"rc"})
    pkgs = [Package.parse("@widgetti/app@1.2.3"), Package.parse("vega@5")]
    root = tmp_path / "cdn"
    assert assets.check(root, pkgs) == pkgs
    lines: list[str] = []
    assert assets.install(root, lines.append, pkgs, registry.url) == pkgs
    assert (root / "@widgetti" / "app@1.2.3" / "dist" / "main.js").read_bytes() == b"main"
    assert (root / "vega@5" / "build" / "vega.min.js").read_bytes() == b"v5.30"  # as the page asks: vega@5/...
    assert assets.check(root, pkgs) == []
    assert not leftovers(root)
    n = len(registry.requests)
    assert assets.install(root, lines.append, pkgs, registry.url) == []
    assert len(registry.requests) == n, "a second install must not download anything"
    assert sum("already installed" in line for line in lines) == 2


def test_a_bad_download_leaves_nothing(tmp_path, registry):
    registry.publish("requirejs", "2.3.6", {"require.js": b"r"}, integrity=sri(b"something else"))
    root = tmp_path / "cdn"
    pkg = Package.parse("requirejs@2.3.6")
    with pytest.raises(AssetsError, match="does not match the registry's sha512"):
        assets.install(root, lambda _: None, [pkg], registry.url)
    assert not (root / "requirejs@2.3.6").exists()
    assert not leftovers(root)


def test_incomplete_folder_is_replaced(tmp_path, registry):
    """Files the proxy cached one at a time while online do not count as an installed package."""
    registry.publish("requirejs", "2.3.6", {"require.js": b"r", "require.min.js": b"m"})
    root = tmp_path / "cdn"
    (root / "requirejs@2.3.6").mkdir(parents=True)
    (root / "requirejs@2.3.6" / "require.js").write_bytes(b"r")
    pkg = Package.parse("requirejs@2.3.6")
    assert assets.check(root, [pkg]) == [pkg]
    assets.install(root, lambda _: None, [pkg], registry.url)
    assert (root / "requirejs@2.3.6" / "require.min.js").read_bytes() == b"m"
    assert assets.check(root, [pkg]) == [] and not leftovers(root)


def test_stale_temporary_folders_are_cleaned(tmp_path, registry):
    registry.publish("katex", "0.16.9", {"dist/katex.min.js": b"k"})
    root = tmp_path / "cdn"
    (root / f"{assets.TMP_PREFIX}killed").mkdir(parents=True)
    assets.install(root, lambda _: None, [Package.parse("katex@0.16.9")], registry.url)
    assert not leftovers(root)


def test_unreachable_registry_gives_one_clear_line(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(AssetsError) as info:
        assets.install(tmp_path, lambda _: None, [Package.parse("requirejs@2.3.6")], f"http://127.0.0.1:{port}")
    msg = str(info.value)
    assert "\n" not in msg
    assert "could not download requirejs@2.3.6 from the npm registry" in msg
    assert "coprod-sim assets install" in msg and "once" in msg


def test_unknown_version_is_named(tmp_path, registry):
    registry.publish("vega", "6.0.0", {"a.js": b"a"})
    with pytest.raises(AssetsError, match="no released version of vega matches 5"):
        assets.install(tmp_path, lambda _: None, [Package.parse("vega@5")], registry.url)


# -- the command line ------------------------------------------------------------------------------
def _cli(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "coprod_sim.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_dashboard_refuses_to_start_without_assets(tmp_path):
    r = _cli({"SOLARA_ASSETS_PROXY_CACHE_DIR": str(tmp_path)}, "dashboard", "--port", "1")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "coprod-sim assets install" in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_assets_check_lists_what_is_missing(tmp_path):
    r = _cli({"SOLARA_ASSETS_PROXY_CACHE_DIR": str(tmp_path)}, "assets", "check")
    assert r.returncode == 1
    assert "MISSING" in r.stdout and "coprod-sim assets install" in r.stdout


def test_bad_port_is_an_input_error():
    with pytest.raises(SystemExit) as info:
        main(["dashboard", "--port", "70000"])
    assert info.value.code == 2


def test_loopback_hosts():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.org")


def _serve(app: OfflineAssets, path: str, root_path: str = "") -> tuple[int, bytes]:
    """One GET through ``app``; return the status and body it sent."""
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": root_path + path, "root_path": root_path, "headers": []}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def offline(tmp_path):
    """OfflineAssets over a cache with one package, in front of an app that answers 200 and counts its calls."""
    (tmp_path / "pkg@1.0.0" / "dist").mkdir(parents=True)
    (tmp_path / "pkg@1.0.0" / "dist" / "a.js").write_text("a")
    (tmp_path / "whole@2.0.0").mkdir()
    (tmp_path / "whole@2.0.0" / "__main.js").write_text("main")
    (tmp_path.parent / "secret.txt").write_text("no")
    calls: list[str] = []

    async def solara(scope, receive, send):
        calls.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"from solara"})

    return OfflineAssets(solara, tmp_path), calls


def test_only_files_in_the_asset_cache_reach_solaras_proxy(offline, tmp_path, capsys):
    app, calls = offline
    assert _serve(app, "/_solara/cdn/pkg@1.0.0/dist/a.js") == (200, b"from solara")
    assert _serve(app, "/_solara/cdn/whole@2.0.0")[0] == 200  # Solara keeps a bare package's main file so
    assert _serve(app, "/", root_path="/app")[0] == 200 and _serve(app, "/readyz")[0] == 200
    assert _serve(app, "/_solara/cdn/pkg@1.0.0/dist/a.js", root_path="/app")[0] == 200
    assert len(calls) == 5
    for missing in (
        "/_solara/cdn/pkg@1.0.0/dist/b.js",
        "/_solara/cdn/other@1.0.0/x.js",
        "/_solara/cdn/pkg@1.0.0/dist",  # a folder: Solara's proxy would delete it and fetch the name
        "/_solara/cdn/pkg@1.0.0/../../secret.txt",
        "/_solara/cdn/",
        "/_solara/cdn",
    ):
        status, body = _serve(app, missing)
        assert status == 404 and b"nothing from the internet" in body, missing
    assert _serve(app, "/_solara/cdn/x@1.0.0/y.js", root_path="/app")[0] == 404
    assert len(calls) == 5, calls
    assert (tmp_path / "pkg@1.0.0" / "dist" / "a.js").is_file()
    # Each missing package is named once, with what to run.
    _serve(app, "/_solara/cdn/other@1.0.0/z.js")
    err = capsys.readouterr().err
    assert err.count("other@1.0.0") == 1 and "coprod-sim assets install" in err


def test_cached_file_follows_solaras_layout(tmp_path):
    (tmp_path / "@scope" / "p@1.0.0").mkdir(parents=True)
    (tmp_path / "@scope" / "p@1.0.0" / "m.css").write_text("x")
    assert cached_file(tmp_path, "@scope/p@1.0.0/m.css") == tmp_path / "@scope" / "p@1.0.0" / "m.css"
    assert cached_file(tmp_path, "@scope/p@1.0.0/./m.css") == tmp_path / "@scope" / "p@1.0.0" / "m.css"
    assert cached_file(tmp_path, "@scope/p@1.0.0") is None
    assert cached_file(tmp_path, "@scope/p@1.0.0/../p@1.0.0/m.css") is None
