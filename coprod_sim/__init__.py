"""coprod-sim: agent-based simulation of co-production with disabled people in organisations."""

from typing import TYPE_CHECKING, Any

from coprod_sim.config import Config, ConfigError

if TYPE_CHECKING:
    from coprod_sim.model import CoProdModel

__all__ = ["CoProdModel", "Config", "ConfigError", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The model imports Mesa (about 1.5 s); commands that do not run it (the dashboard's
    # start-up, 'assets', '--help') should not wait for it.
    if name == "CoProdModel":
        from coprod_sim.model import CoProdModel

        return CoProdModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
