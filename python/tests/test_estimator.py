"""`from_estimator` against `spotsim import create-training-job` on the same request: the same
scenario, the same assumed keys, the same errors."""

from __future__ import annotations

import json
import re

import pytest

import spotsim
from spotsim import _spotsim
from spotsim._estimator import request_from

SPOT = dict(
    instance_type="ml.p3.2xlarge",
    instance_count=1,
    use_spot_instances=True,
    max_run=36000,
    max_wait=72000,
    checkpoint_s3_uri="s3://example-bucket/bert/checkpoints",
    base_job_name="bert-finetune",
    # An Estimator's other arguments are not read.
    role="arn:aws:iam::111122223333:role/SageMaker",
    entry_point="train.py",
    hyperparameters={"epochs": 3},
)


class FakeEstimator:
    """The attributes a SageMaker SDK v2 Estimator has after `Estimator(**kwargs)`."""

    def __init__(self, **kwargs):
        self.max_run = 24 * 60 * 60
        self.use_spot_instances = False
        self.max_wait = None
        self.checkpoint_s3_uri = None
        self.checkpoint_local_path = None
        for key, value in kwargs.items():
            setattr(self, key, value)
        self._current_job_name = None

    def training_image_uri(self):
        return "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-gpu"


def assumed_keys_of(stderr: str):
    """The keys of `spotsim import`'s note on stderr."""
    return re.findall(r"^  (\S+)  ", stderr, flags=re.MULTILINE)


def imported(cli, tmp_path, request, *extra):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request, indent=2))
    return path, cli("import", "create-training-job", path, *extra)


def test_the_sdk_request_of_the_keyword_arguments():
    assert request_from(SPOT) == {
        "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 36000, "MaxWaitTimeInSeconds": 72000},
        "TrainingJobName": "bert-finetune",
        "EnableManagedSpotTraining": True,
        "CheckpointConfig": {"S3Uri": "s3://example-bucket/bert/checkpoints"},
    }
    # The SDK's default max_run (one day), and no spot unless asked.
    on_demand = request_from({"instance_type": "ml.m5.xlarge", "instance_count": 2})
    assert on_demand["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
    assert "EnableManagedSpotTraining" not in on_demand


def test_an_estimator_and_its_keyword_arguments_make_the_same_request():
    estimator = FakeEstimator(**SPOT)
    request = request_from(estimator)
    assert request["AlgorithmSpecification"]["TrainingImage"].endswith("pytorch-training:2.1-gpu")
    del request["AlgorithmSpecification"]
    assert request == request_from(SPOT)


@pytest.mark.parametrize("kwargs", [SPOT, {"instance_type": "ml.m5.xlarge", "instance_count": 2}])
def test_the_scenario_is_the_imports(cli, tmp_path, kwargs):
    request = request_from(kwargs)
    # spotsim knows no price for these types: the user gives it, to both.
    path, out = imported(cli, tmp_path, request, "--price-per-hour", "3.825")
    assert out.returncode == 0, out.stderr
    # The native import named as the file: the binary's scenario byte for byte.
    native = _spotsim._from_request(
        json.dumps(request, indent=2), str(path), {"pricing": {"on_demand_hourly": 3.825}}
    )
    assert native.toml == out.stdout
    assert [key for key, _ in native.assumed] == assumed_keys_of(out.stderr)
    # from_estimator: the same scenario (named <estimator>), the same figures.
    with pytest.warns(UserWarning, match="assumed"):
        scenario = spotsim.from_estimator(kwargs, on_demand_hourly=3.825)
    assert [key for key, _ in scenario.assumed] == assumed_keys_of(out.stderr)
    assert (
        scenario.run(runs=1500, seed=3).to_json()
        == spotsim.loads(out.stdout).run(runs=1500, seed=3).to_json()
    )


def test_an_unknown_price_is_the_users_to_give(cli, tmp_path):
    """Issue 15: no other type's price stands in for the job's; the binary and the binding
    both refuse the scenario until the price is given, naming the key."""
    path, out = imported(cli, tmp_path, request_from(SPOT))
    assert out.returncode == 0, out.stderr
    assert 'on_demand_hourly = "SET ME: USD per instance-hour"' in out.stdout
    with pytest.raises(spotsim.ScenarioError, match=r"pricing\.on_demand_hourly .* must be a number, not text"):
        spotsim.from_estimator(SPOT)


def test_given_values_replace_the_placeholders():
    with pytest.warns(UserWarning):
        scenario = spotsim.from_estimator(
            SPOT,
            training={"dist": "lognormal", "median": "5h", "sigma": 0.2},
            market={"discount": 0.6, "time_to_interruption": "6h"},
            on_demand_hourly=3.06,
        )
    keys = [key for key, _ in scenario.assumed]
    for given in ("job.training", "spot.discount", "spot.time_to_interruption",
                  "pricing.on_demand_hourly"):
        assert given not in keys
    assert "spot.capacity_wait" in keys
    summary = scenario.run(runs=500, seed=1).to_dict()
    assert summary["scenario"]["pricing"]["on_demand_hourly_usd"] == 3.06
    assert summary["scenario"]["job"]["training"]["median_s"] == 5 * 3600


def test_a_request_the_service_rejects_is_the_imports_error(cli, tmp_path):
    bad = dict(SPOT, max_wait=3600)
    path, out = imported(cli, tmp_path, request_from(bad))
    assert out.returncode == 2
    with pytest.raises(spotsim.ScenarioError) as caught:
        spotsim.from_estimator(bad)
    assert str(caught.value) == out.stderr.rstrip("\n").replace(str(path), "<estimator>")
    (problem,) = caught.value.problems
    assert problem.key == "StoppingCondition.MaxWaitTimeInSeconds"
