"""The dashboard sends nothing off this machine, and a front-end file it does not have costs nothing.

Solara's CDN proxy used to fetch a missing file from a public CDN (four tries, about 7 s each
request); 60 such requests at once held ``/readyz`` for 11 s. The server now answers them 404 at
once. The conftest's ``external_requests`` fixture fails any test in which the page asked for
something off this machine or the server tried to connect off it (``netguard``), so these tests
fail on the old server twice over: it tries the CDN, and it answers late.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

from tests.ui.conftest import MISSING_ASSET, NOT_INSTALLED
from tests.ui.dash import open_dashboard

ANSWER_LIMIT_S = 1.0
CONCURRENT = 60

#: Fetch a path from the page, as its scripts do; return the status and the milliseconds it took.
FETCH = """async (path) => {
  const t0 = performance.now();
  const r = await fetch(path, {cache: 'no-store'});
  await r.text();
  return [r.status, performance.now() - t0];
}"""


def get(url: str, timeout: float = 30) -> tuple[int, float]:
    """GET ``url``; return the status and the seconds it took."""
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.monotonic() - t0


def test_a_page_load_and_a_missing_asset_go_nowhere_and_answer_at_once(page, dashboard, external_requests):
    assets: list[tuple[str, int]] = []
    page.on("response", lambda r: assets.append((r.url, r.status)) if "/_solara/cdn/" in r.url else None)
    open_dashboard(page, dashboard.url)
    assert assets and all(status in (200, 304) for _, status in assets), [a for a in assets if a[1] >= 400]

    status, ms = page.evaluate(FETCH, MISSING_ASSET)
    assert status == 404
    assert ms < ANSWER_LIMIT_S * 1000, f"a missing front-end file took {ms:.0f} ms to answer"
    assert not dashboard.outbound_attempts(), dashboard.outbound_attempts()[:5]
    assert not external_requests
    assert any(NOT_INSTALLED in line and MISSING_ASSET in line for line in dashboard.log.read_text().splitlines())


def test_readyz_answers_while_60_missing_assets_are_asked_for(dashboard):
    base = dashboard.url.rstrip("/")
    start = threading.Barrier(CONCURRENT + 1)
    results: list[tuple[int, float]] = []

    def ask(i: int) -> None:
        start.wait()
        results.append(get(f"{base}{MISSING_ASSET}?n={i}"))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(CONCURRENT)]
    for t in threads:
        t.start()
    start.wait()
    ready = get(f"{base}/readyz")
    for t in threads:
        t.join(timeout=60)
    slowest = max(s for _, s in results)
    print(f"/readyz {ready[1] * 1000:.0f} ms with {CONCURRENT} missing-file requests; slowest of those {slowest:.2f} s")
    assert ready[0] == 200 and ready[1] < ANSWER_LIMIT_S, f"/readyz took {ready[1]:.1f} s"
    assert len(results) == CONCURRENT and {code for code, _ in results} == {404}
    assert slowest < 5 * ANSWER_LIMIT_S, f"the slowest missing-file request took {slowest:.1f} s"
    assert not dashboard.outbound_attempts()
