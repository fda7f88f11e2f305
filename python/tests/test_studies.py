"""sweep, compare, recommend, trace, report and fleet against the binary's commands: the same
JSON (parsed), the same review bytes."""

from __future__ import annotations

import json
import os

import pytest

import spotsim

QUICKSTART = "scenarios/quickstart.toml"


@pytest.fixture()
def in_root(root, monkeypatch):
    """Paths as the binary is given them, relative to the repository."""
    monkeypatch.chdir(root)


def cli_json(cli, *args):
    out = cli(*args, "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_sweep_is_the_binarys(in_root, cli):
    scenario = spotsim.load(QUICKSTART)
    got = scenario.sweep(["spot.discount=0.5,0.7"], runs=800, seed=3)
    assert got == cli_json(
        cli, "sweep", QUICKSTART, "--set", "spot.discount=0.5,0.7", "--runs", 800, "--seed", 3
    )
    as_dict = scenario.sweep({"spot.discount": [0.5, 0.7]}, runs=800, seed=3)
    assert as_dict == got


def test_sweep_reports_a_bad_key_as_the_binary(in_root, cli):
    with pytest.raises(spotsim.ScenarioError) as caught:
        spotsim.load(QUICKSTART).sweep(["spot.discont=0.5"], runs=10)
    out = cli("sweep", QUICKSTART, "--set", "spot.discont=0.5", "--runs", 10)
    assert out.returncode == 2
    assert str(caught.value) == out.stderr.rstrip("\n")


def test_compare_is_the_binarys(in_root, cli):
    a = spotsim.load(QUICKSTART)
    b = spotsim.load("scenarios/cookbook/two-hour-job.toml")
    assert a.compare(b, runs=600, seed=2) == cli_json(
        cli, "compare", QUICKSTART, "scenarios/cookbook/two-hour-job.toml",
        "--runs", 600, "--seed", 2,
    )


def test_recommend_is_the_binarys(in_root, cli):
    got = spotsim.load("scenarios/cookbook/two-hour-job.toml").recommend(0.9, runs=200, seed=1)
    assert got == cli_json(
        cli, "recommend", "scenarios/cookbook/two-hour-job.toml", "--target-completion", 0.9,
        "--runs", 200, "--seed", 1,
    )


def test_trace_is_the_binarys(in_root, cli):
    got = spotsim.load(QUICKSTART).trace(3, seed=5, start="2024-05-06T10:00:00Z")
    assert got == cli_json(
        cli, "trace", QUICKSTART, "--run", 3, "--seed", 5, "--start", "2024-05-06T10:00:00Z"
    )


def test_fleet_is_the_binarys(in_root, cli):
    fleet = spotsim.load("scenarios/fleets/team.toml")
    assert isinstance(fleet, spotsim.Fleet)
    got = spotsim.fleet("scenarios/fleets/team.toml", runs=20, seed=4)
    assert got == fleet.run(runs=20, seed=4)
    assert got == cli_json(cli, "fleet", "scenarios/fleets/team.toml", "--runs", 20, "--seed", 4)


def test_report_writes_the_binarys_review(in_root, cli, tmp_path):
    output = tmp_path / "review.html"
    out = cli("report", QUICKSTART, "--runs", 1000, "--seed", 6, "-o", output)
    assert out.returncode == 0, out.stderr
    expected = output.read_bytes()
    output.unlink()
    written = spotsim.load(QUICKSTART).report(output, runs=1000, seed=6)
    assert written == output
    assert output.read_bytes() == expected
    assert os.listdir(tmp_path) == ["review.html"]
