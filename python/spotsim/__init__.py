"""spotsim: a lifecycle simulator and cost estimator for Amazon SageMaker Managed Spot Training.

The same engine as the ``spotsim`` binary, as a native extension: every result is the one the
binary prints for the same scenario, runs and seed, byte for byte.

    >>> import spotsim
    >>> result = spotsim.load("scenarios/quickstart.toml").run(runs=10_000, seed=7)
    >>> result.to_dict()["spot"]["cost_usd"]["mean"]      # doctest: +SKIP
    >>> result.runs_frame()["cost_usd"].hist(bins=60)     # doctest: +SKIP

``load``, ``loads``, ``from_dict`` and ``from_estimator`` make a ``Scenario``; its ``run``
returns a ``Result``; bad input raises ``ScenarioError`` (a ``ValueError``) with the binary's
message and a ``.problems`` list. See docs/python.md in the repository.
"""

from __future__ import annotations

from ._spotsim import (
    Fleet,
    Problem,
    Result,
    Scenario,
    ScenarioError,
    fleet,
    from_dict,
    load,
    loads,
)
from ._estimator import from_estimator

__version__ = "0.1.0"

__all__ = [
    "Fleet",
    "Problem",
    "Result",
    "Scenario",
    "ScenarioError",
    "fleet",
    "from_dict",
    "from_estimator",
    "load",
    "loads",
]
