"""coprod-sim: agent-based simulation of co-production with disabled people in organisations."""

from coprod_sim.config import Config, ConfigError
from coprod_sim.model import CoProdModel

__all__ = ["CoProdModel", "Config", "ConfigError", "__version__"]
__version__ = "0.1.0"
