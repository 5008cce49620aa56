"""Pytest plugin for CI's Python 3.12 run: deprecations reached from Mesa, the package or the tests fail.

Mesa warns with ``stacklevel=2``, so a warning is attributed to the module that made the deprecated
call (``Model(seed=...)`` to ``mesa.mesa_logging``, which wraps ``Model.__init__``; indexing an
AgentSet or ``batch_run(iterations=...)`` to our code). ``-W error::FutureWarning:mesa`` matches the
module name exactly and so catches none of these; an ini filter's module is a regular expression
matched at the start of the name, so these catch them, and leave alone the deprecations a
third-party library raises inside itself.
"""

from __future__ import annotations

import pytest

MODULES = r"(mesa|coprod_sim|tests)(\.|$)"


def pytest_configure(config: pytest.Config) -> None:
    """Turn deprecations attributed to Mesa, coprod_sim or the tests into errors."""
    for category in ("FutureWarning", "DeprecationWarning", "PendingDeprecationWarning"):
        config.addinivalue_line("filterwarnings", f"error::{category}:{MODULES}")
