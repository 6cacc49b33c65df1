"""The simulated web: a local HTTP server serving a scenario in the real formats of the county's sources."""

from infra.simweb.scenario import Scenario, list_scenarios, load_scenario
from infra.simweb.server import SimWeb

__all__ = ["Scenario", "SimWeb", "list_scenarios", "load_scenario"]
