"""Offline front-end assets: the JavaScript and CSS the dashboard's page loads, kept on this machine.

Solara's page loads its JavaScript and CSS through the server's CDN proxy, ``/_solara/cdn/<path>``.
The proxy answers from a cache folder, ``solara.server.settings.assets.proxy_cache_dir``
(``<sys.prefix>/share/solara/cdn`` unless ``SOLARA_ASSETS_PROXY_CACHE_DIR`` says otherwise).
A request for ``/_solara/cdn/vega@5/build/vega.min.js`` is answered from
``<cache>/vega@5/build/vega.min.js``: the folder is named exactly as the page asks for the package,
range and all. Solara's proxy would fetch a missing file from a public CDN; ``coprod-sim
dashboard`` answers 404 instead (:class:`coprod_sim.dashboard.serve.OfflineAssets`), so nothing
leaves the machine, and a missing file means a broken page: hence this install, and the check
before the dashboard starts.

:func:`install` fills that cache once, straight from the npm registry (the CDN serves the npm
packages' files unchanged): for each package it asks the registry for the tarball and its
``sha512`` integrity, checks the download against it, unpacks it safely into a temporary folder
beside the target and renames that into place. An interrupted install leaves nothing
half-written; a second install skips what is already complete. No npm or Node.js is needed.

The packages are read from the installed Solara (its page template and its settings), plus the
ones its components load only when they are used (:data:`LAZY`).
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import importlib.util
import json
import os
import re
import secrets
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "AXE_CORE",
    "LAZY",
    "AssetsError",
    "Package",
    "axe_path",
    "check",
    "default_target",
    "fetch_axe",
    "install",
    "required_packages",
]

REGISTRY = os.environ.get("COPROD_SIM_NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
#: What Solara's components load only when used (``${getCdn()}/name@spec/...`` in their code):
#: require.js, Font Awesome, Markdown's maths and diagrams, Altair/Vega-Lite charts and the grid
#: layout of Mesa's SolaraViz. Ranges such as ``vega@5`` are requested literally by the page.
LAZY = (
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "mermaid@10.8.0",
    "katex@0.16.9",
    "vega@5",
    "vega-lite@5",
    "vega-embed@6",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
)
#: axe-core, the accessibility engine the browser tests inject (not needed to run the dashboard).
AXE_CORE = "axe-core@4.11.1"
MARKER = ".coprod-sim-asset.json"  # written last inside a package folder: the folder is complete
TMP_PREFIX = ".coprod-sim-tmp-"
MAX_BYTES = 200 * 2**20  # per package, packed or unpacked: a bound, not an expected size
TIMEOUT = 60  # seconds per request

_EXACT = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_PARTIAL = re.compile(r"^\d+(?:\.\d+)?$")
_SPEC = re.compile(r"^((?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*)@([0-9][\w.+-]*)$")
_TEMPLATE_REF = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@[0-9][\w.+-]*)/")


class AssetsError(RuntimeError):
    """An asset install or check that cannot go on, with a one-line message for people."""


@dataclass(frozen=True)
class Package:
    """An npm package as the page requests it: ``name@spec``, where spec is a version or a range."""

    name: str
    spec: str

    @classmethod
    def parse(cls, text: str) -> Package:
        """Parse ``name@spec`` (``@scope/name@spec`` for a scoped package)."""
        m = _SPEC.match(text)
        if not m:
            raise AssetsError(f"{text!r} is not an npm package reference like name@1.2.3 or @scope/name@5")
        return cls(m.group(1), m.group(2))

    def __str__(self) -> str:
        return f"{self.name}@{self.spec}"

    @property
    def exact(self) -> bool:
        """Whether ``spec`` is one exact version (else a range such as ``5`` or ``5.2``)."""
        return bool(_EXACT.match(self.spec))

    def folder(self, root: Path) -> Path:
        """Return the cache folder that the CDN proxy reads this package's files from."""
        return root / str(self)


# -- what is needed -------------------------------------------------------------------------------
def _solara_dir() -> Path:
    spec = importlib.util.find_spec("solara")
    if spec is None or not spec.submodule_search_locations:
        raise AssetsError("solara is not installed; install coprod-sim with pip first")
    return Path(next(iter(spec.submodule_search_locations)))


def required_packages() -> list[Package]:
    """Return every package the installed Solara's page can request through its CDN proxy.

    The versions of Solara's own front-end (``@widgetti/solara-vuetify-app`` and
    ``@widgetti/solara-vuetify3-app``) and require.js are read from its page template, Font
    Awesome's from its settings; :data:`LAZY` adds what components load when they are used.
    """
    template = _solara_dir() / "server" / "templates" / "solara.html.j2"
    try:
        text = template.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssetsError(f"cannot read Solara's page template {template}: {exc.strerror}") from None
    refs = list(dict.fromkeys(_TEMPLATE_REF.findall(text)))
    if not any(r.startswith("@widgetti/solara-vuetify") for r in refs):
        raise AssetsError(f"no @widgetti/solara-vuetify-app version found in {template}; is this Solara supported?")
    from solara.server import settings

    fa = re.match(r"^/?((?:@[\w.-]+/)?[\w.-]+@[0-9][\w.+-]*)/", settings.assets.fontawesome_path)
    if fa:
        refs.append(fa.group(1))
    return [Package.parse(r) for r in dict.fromkeys([*refs, *LAZY])]


def default_target() -> Path:
    """Return the folder Solara's CDN proxy serves from (``SOLARA_ASSETS_PROXY_CACHE_DIR`` moves it)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def _complete(folder: Path, thorough: bool = True) -> bool:
    try:
        info = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return not thorough or all((folder / f).is_file() for f in info.get("files", []))


def check(target: Path | None = None, packages: list[Package] | None = None, thorough: bool = True) -> list[Package]:
    """Return the packages that are missing or incomplete in ``target`` (empty: all there).

    ``thorough`` looks for every file a package's marker lists (thousands: about a second);
    without it only the marker, which an install writes last, is read (what the dashboard does
    at start-up; ``coprod-sim assets check`` is thorough).
    """
    root = Path(target) if target is not None else default_target()
    wanted = packages if packages is not None else required_packages()
    return [p for p in wanted if not _complete(p.folder(root), thorough)]


# -- the npm registry ------------------------------------------------------------------------------
def _get_json(url: str, what: str, registry: str, accept: str = "application/json") -> Any:
    req = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "coprod-sim-assets"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return json.loads(resp.read(MAX_BYTES))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise AssetsError(f"{what} is not on the npm registry ({url}: 404 not found)") from None
        raise _unreachable(what, registry, f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _unreachable(what, registry, _reason(exc)) from None
    except ValueError:
        raise AssetsError(f"the npm registry's answer for {what} ({url}) is not JSON") from None


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return str(getattr(reason, "strerror", None) or reason)


def _unreachable(what: str, registry: str, reason: str) -> AssetsError:
    return AssetsError(
        f"could not download {what} from the npm registry {registry} ({reason}); the dashboard's "
        "front-end files come from the npm registry once: connect this machine to the internet (or set "
        "COPROD_SIM_NPM_REGISTRY to a mirror) and run 'coprod-sim assets install' again"
    )


def _quote(name: str) -> str:
    return urllib.parse.quote(name, safe="@")  # @scope/name -> @scope%2Fname, as the registry wants


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("+")[0].split("-")[0].split("."))


def resolve(pkg: Package, registry: str = REGISTRY) -> dict[str, Any]:
    """Return the registry's record of the version the CDN would serve for ``pkg``.

    An exact version is itself. A range (``5``, ``5.2``) becomes its highest stable release,
    as jsDelivr resolves ``/npm/vega@5/...``.
    """
    if pkg.exact:
        return _get_json(f"{registry}/{_quote(pkg.name)}/{pkg.spec}", str(pkg), registry)
    if not _PARTIAL.match(pkg.spec):
        raise AssetsError(f"{pkg}: only exact versions and ranges like 5 or 5.2 are supported")
    doc = _get_json(f"{registry}/{_quote(pkg.name)}", str(pkg), registry, accept="application/vnd.npm.install-v1+json")
    prefix = tuple(int(x) for x in pkg.spec.split("."))
    stable = [v for v in doc.get("versions", {}) if re.match(r"^\d+\.\d+\.\d+$", v)]
    matching = [v for v in stable if _version_key(v)[: len(prefix)] == prefix]
    if not matching:
        raise AssetsError(f"{pkg}: no released version of {pkg.name} matches {pkg.spec} on the npm registry")
    return doc["versions"][max(matching, key=_version_key)]


def _integrity(dist: dict[str, Any], what: str) -> tuple[str, str]:
    """Return (algorithm, expected digest) from ``dist``: the strongest SRI hash, else the sha1 shasum."""
    rank = {"sha256": 1, "sha384": 2, "sha512": 3}
    best: tuple[str, str] | None = None
    for item in str(dist.get("integrity", "")).split():
        algo, _, b64 = item.partition("-")
        if algo in rank and (best is None or rank[algo] > rank[best[0]]):
            best = (algo, base64.b64decode(b64).hex())
    if best is None and dist.get("shasum"):  # packages published before npm 5 carry only sha1
        best = ("sha1", str(dist["shasum"]).lower())
    if best is None:
        raise AssetsError(f"the npm registry gives no integrity hash for {what}; not installing it")
    return best


def _download(url: str, dest: Path, what: str, registry: str, algo: str, expected: str) -> int:
    scheme = urllib.parse.urlparse(url).scheme
    if scheme != "https" and scheme != urllib.parse.urlparse(registry).scheme:
        raise AssetsError(f"{what}: the registry gives a tarball address that is not https: {url}")
    h = hashlib.new(algo)
    size = 0
    req = urllib.request.Request(url, headers={"User-Agent": "coprod-sim-assets"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp, open(dest, "wb") as out:
            while chunk := resp.read(1 << 16):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise AssetsError(f"{what}: the tarball is larger than {MAX_BYTES >> 20} MiB; not installing it")
                h.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        raise _unreachable(what, registry, f"HTTP {exc.code} {exc.reason} for {url}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
        raise _unreachable(what, registry, _reason(exc)) from None
    if h.hexdigest() != expected:
        raise AssetsError(f"{what}: the download from {url} does not match the registry's {algo} integrity hash")
    return size


# -- unpacking -----------------------------------------------------------------------------------
def safe_extract(tarball: Path, dest: Path) -> list[str]:
    """Unpack an npm tarball into ``dest``, dropping its top folder (``package/``); return the files.

    Only regular files and folders are written. Absolute names, ``..``, links, devices and
    other special members, and members outside the one top folder, are refused with
    :class:`AssetsError` (nothing is written outside ``dest``).
    """
    files: list[str] = []
    total = 0
    try:
        with tarfile.open(tarball, "r:*") as tar:
            checked: list[tuple[tarfile.TarInfo, list[str]]] = []
            for m in tar.getmembers():
                name = m.name.replace("\\", "/")
                if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
                    raise AssetsError(f"{tarball.name}: refusing absolute path {m.name!r}")
                parts = [p for p in name.split("/") if p not in ("", ".")]
                if ".." in parts:
                    raise AssetsError(f"{tarball.name}: refusing path with '..': {m.name!r}")
                if not (m.isreg() or m.isdir()):
                    raise AssetsError(f"{tarball.name}: refusing {m.name!r}, which is not a plain file or folder")
                if parts:
                    checked.append((m, parts))
            tops = {parts[0] for _, parts in checked}
            if len(tops) != 1:
                raise AssetsError(f"{tarball.name}: expected one top folder (package/), found {sorted(tops)[:5]}")
            for m, parts in checked:
                rel = parts[1:]
                if not rel:
                    continue
                out = dest.joinpath(*rel)
                if m.isdir():
                    out.mkdir(parents=True, exist_ok=True)
                    continue
                total += m.size
                if total > MAX_BYTES:
                    raise AssetsError(f"{tarball.name}: unpacks to more than {MAX_BYTES >> 20} MiB; not installing it")
                out.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(m)
                if src is None:
                    raise AssetsError(f"{tarball.name}: cannot read {m.name!r}")
                with src, open(out, "wb") as f:
                    shutil.copyfileobj(src, f)
                os.chmod(out, 0o644)
                files.append("/".join(rel))
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise AssetsError(f"{tarball.name}: not a readable npm tarball ({exc})") from None
    return sorted(set(files))


# -- install -------------------------------------------------------------------------------------
def _install_one(pkg: Package, root: Path, registry: str, progress: Callable[[str], Any]) -> None:
    final = pkg.folder(root)
    final.parent.mkdir(parents=True, exist_ok=True)
    meta = resolve(pkg, registry)
    version = str(meta.get("version", pkg.spec))
    dist = meta.get("dist") or {}
    if not dist.get("tarball"):
        raise AssetsError(f"the npm registry gives no tarball for {pkg}")
    algo, expected = _integrity(dist, str(pkg))
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=final.parent))
    try:
        tarball = tmp / "package.tgz"
        size = _download(dist["tarball"], tarball, str(pkg), registry, algo, expected)
        unpacked = tmp / "package"
        unpacked.mkdir()
        files = safe_extract(tarball, unpacked)
        info = {"package": str(pkg), "version": version, "integrity": f"{algo}:{expected}", "files": files}
        (unpacked / MARKER).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
        os.chmod(unpacked, 0o755)
        try:
            if final.exists() or final.is_symlink():
                # e.g. files the proxy cached one by one while online: set aside, then replace whole
                old = final.parent / f"{TMP_PREFIX}old-{secrets.token_hex(4)}"
                os.rename(final, old)
                os.rename(unpacked, final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(unpacked, final)
        except OSError:
            if not _complete(final):  # else another install finished it first: fine
                raise
        as_version = f" as {version}" if version != pkg.spec else ""
        progress(f"  {pkg!s:<46} installed{as_version} ({size / 2**20:.1f} MiB packed, {len(files)} files)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _clean_stale(root: Path) -> None:
    """Remove temporary folders that an interrupted install (killed, power cut) left behind."""
    for parent in (root, *[p for p in root.glob("@*") if p.is_dir()]):
        for stale in parent.glob(TMP_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)


def install(
    target: Path | None = None,
    progress: Callable[[str], Any] = print,
    packages: list[Package] | None = None,
    registry: str = REGISTRY,
) -> list[Package]:
    """Download what is missing from the npm registry into ``target``; return what was installed.

    ``target`` defaults to Solara's CDN proxy cache (:func:`default_target`). Complete packages
    are skipped, so a second call downloads nothing.
    """
    root = Path(target) if target is not None else default_target()
    pkgs = packages if packages is not None else required_packages()
    try:
        root.mkdir(parents=True, exist_ok=True)
        _clean_stale(root)
    except OSError as exc:
        raise AssetsError(
            f"cannot write the asset folder {root} ({exc.strerror}); set SOLARA_ASSETS_PROXY_CACHE_DIR to a "
            "folder you can write, for 'coprod-sim assets install' and 'coprod-sim dashboard' alike"
        ) from None
    missing = [p for p in pkgs if not _complete(p.folder(root))]
    for p in pkgs:
        if p not in missing:
            progress(f"  {p!s:<46} already installed")
    for p in missing:
        try:
            _install_one(p, root, registry, progress)
        except OSError as exc:
            raise AssetsError(f"{p}: cannot write into {root}: {exc.strerror or exc}") from None
    return missing


def axe_path(target: Path | None = None) -> Path:
    """Return where :func:`fetch_axe` puts ``axe.min.js`` (it may not be there yet)."""
    root = Path(target) if target is not None else default_target()
    return Package.parse(AXE_CORE).folder(root) / "axe.min.js"


def fetch_axe(target: Path | None = None, progress: Callable[[str], Any] = print) -> Path:
    """Install axe-core (:data:`AXE_CORE`) for the accessibility tests; return its ``axe.min.js``."""
    install(target, progress, packages=[Package.parse(AXE_CORE)])
    return axe_path(target)
