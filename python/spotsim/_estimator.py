"""`spotsim.from_estimator`: a scenario from a SageMaker Python SDK v2 ``Estimator``.

The estimator (or its keyword arguments) becomes the ``CreateTrainingJob`` request the SDK
would send, and that request goes through the very import of ``spotsim import
create-training-job`` (docs/import.md): the same rules, the same errors, the same placeholders
for what a request cannot say (marked ``# ASSUMED`` and listed in ``Scenario.assumed``).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional, Union

from . import _spotsim

# The SDK's default MaxRuntimeInSeconds (`Estimator(max_run=24 * 60 * 60)`).
SDK_DEFAULT_MAX_RUN_S = 24 * 60 * 60

# The estimator attributes (and keyword arguments) read; every other one is ignored, as
# `spotsim import create-training-job` ignores the request fields it does not read.
READ = (
    "instance_type",
    "instance_count",
    "use_spot_instances",
    "max_run",
    "max_wait",
    "checkpoint_s3_uri",
    "checkpoint_local_path",
    "keep_alive_period_in_seconds",
    "instance_groups",
    "image_uri",
    "algorithm_arn",
    "base_job_name",
    "job_name",
)


def _settings(estimator_or_kwargs: Union[Mapping[str, Any], Any]) -> Dict[str, Any]:
    """The attributes read, from an estimator or a dict of its keyword arguments."""
    if isinstance(estimator_or_kwargs, Mapping):
        return {key: estimator_or_kwargs.get(key) for key in READ}
    estimator = estimator_or_kwargs
    settings = {key: getattr(estimator, key, None) for key in READ}
    if settings["image_uri"] is None and callable(getattr(estimator, "training_image_uri", None)):
        try:
            settings["image_uri"] = estimator.training_image_uri()
        except Exception:  # an SDK that needs a session to resolve it: not needed here
            settings["image_uri"] = None
    settings["job_name"] = getattr(estimator, "_current_job_name", None)
    return settings


def request_from(estimator_or_kwargs: Union[Mapping[str, Any], Any]) -> Dict[str, Any]:
    """The ``CreateTrainingJob`` request (PascalCase JSON) the SDK v2 sends for the estimator,
    as far as spotsim reads it."""
    s = _settings(estimator_or_kwargs)
    resource: Dict[str, Any] = {}
    if s["instance_type"] is not None:
        resource["InstanceType"] = s["instance_type"]
    if s["instance_count"] is not None:
        resource["InstanceCount"] = s["instance_count"]
    if s["keep_alive_period_in_seconds"] is not None:
        resource["KeepAlivePeriodInSeconds"] = s["keep_alive_period_in_seconds"]
    if s["instance_groups"]:
        resource["InstanceGroups"] = [
            group if isinstance(group, Mapping) else vars(group) for group in s["instance_groups"]
        ]
    max_run = s["max_run"] if s["max_run"] is not None else SDK_DEFAULT_MAX_RUN_S
    stopping: Dict[str, Any] = {"MaxRuntimeInSeconds": max_run}
    if s["max_wait"] is not None:
        stopping["MaxWaitTimeInSeconds"] = s["max_wait"]
    request: Dict[str, Any] = {"ResourceConfig": resource, "StoppingCondition": stopping}
    name = s["job_name"] or s["base_job_name"]
    if name:
        request["TrainingJobName"] = name
    if s["image_uri"]:
        request["AlgorithmSpecification"] = {"TrainingImage": s["image_uri"]}
    elif s["algorithm_arn"]:
        request["AlgorithmSpecification"] = {"AlgorithmName": s["algorithm_arn"]}
    if s["use_spot_instances"]:
        request["EnableManagedSpotTraining"] = True
    if s["checkpoint_s3_uri"] is not None:
        checkpoint = {"S3Uri": s["checkpoint_s3_uri"]}
        if s["checkpoint_local_path"] is not None:
            checkpoint["LocalPath"] = s["checkpoint_local_path"]
        request["CheckpointConfig"] = checkpoint
    return request


def from_estimator(
    estimator_or_kwargs: Union[Mapping[str, Any], Any],
    training: Optional[Any] = None,
    market: Optional[Mapping[str, Any]] = None,
    *,
    on_demand_hourly: Optional[float] = None,
) -> "_spotsim.Scenario":
    """A scenario from a SageMaker SDK v2 ``Estimator`` or its keyword arguments.

    The estimator's ``instance_type``, ``instance_count``, ``use_spot_instances``,
    ``max_run`` (the SDK's default of one day when absent), ``max_wait``,
    ``checkpoint_s3_uri``/``checkpoint_local_path``, ``keep_alive_period_in_seconds``,
    ``instance_groups``, ``image_uri`` and job name make the ``CreateTrainingJob`` request the
    SDK sends, imported by the same rules as ``spotsim import create-training-job``: a request
    the service would reject raises ``ScenarioError`` with that command's message.

    What a request cannot say is assumed from ``spotsim init``'s template, unless given here:

    training: ``job.training``, the compute the job needs uninterrupted: a duration
        (``"5h"``, seconds as a number) or a distribution (``{"dist": "lognormal",
        "median": "5h", "sigma": 0.2}``).
    market: keys of the ``[spot]`` table (``capacity_wait``, ``time_to_interruption``,
        ``discount``, ...).
    on_demand_hourly: ``pricing.on_demand_hourly`` in USD.

    The keys still assumed are listed in ``Scenario.assumed`` (key, reason) and issued as a
    ``UserWarning``; ``Scenario.toml`` is the scenario's text.
    """
    request = request_from(estimator_or_kwargs)
    overrides: Dict[str, Dict[str, Any]] = {}
    if training is not None:
        overrides.setdefault("job", {})["training"] = training
    if market:
        overrides.setdefault("spot", {}).update(dict(market))
    if on_demand_hourly is not None:
        overrides.setdefault("pricing", {})["on_demand_hourly"] = on_demand_hourly
    return _spotsim._from_request(json.dumps(request, indent=2), "<estimator>", overrides)
