"""Bad input: `spotsim.ScenarioError` (a ValueError) with the binary's message, every problem
at once in `.problems`."""

from __future__ import annotations

import pytest

import spotsim

BAD = """[job]
instance_type = "ml.p3.2xlarge"
instance_count = 0
training = "-3h"
foo = 1
"""


def test_a_bad_file_raises_the_binarys_message_with_every_problem(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD)
    with pytest.raises(spotsim.ScenarioError) as caught:
        spotsim.load(path)
    out = cli("run", path)
    assert out.returncode == 2
    assert str(caught.value) == out.stderr.rstrip("\n")
    assert isinstance(caught.value, ValueError)
    problems = caught.value.problems
    assert [(p.line, p.column, p.key) for p in problems] == [
        (1, 1, "pricing"),
        (3, 18, "job.instance_count"),
        (4, 12, "job.training"),
        (5, 1, "job.foo"),
    ]
    assert all(p.file == str(path) for p in problems)
    assert problems[2].message == 'job.training ("-3h") must not be negative'
    assert str(problems[2]) == f'{path}:4:12: job.training ("-3h") must not be negative'


def test_loads_names_the_string_and_a_syntax_error_has_no_key():
    with pytest.raises(spotsim.ScenarioError) as caught:
        spotsim.loads("[spot]\nenabled = tru\n")
    (problem,) = caught.value.problems
    assert problem.file == "<string>"
    assert (problem.line, problem.column, problem.key) == (2, 11, None)
    assert "TOML syntax error" in problem.message


def test_from_dict_reports_keys_as_a_file_does():
    with pytest.raises(spotsim.ScenarioError) as caught:
        spotsim.from_dict({"job": {"training": "6h", "instance_count": 0}})
    keys = [p.key for p in caught.value.problems]
    assert "job.instance_count" in keys and "pricing" in keys


def test_a_missing_file_is_file_not_found_with_the_binarys_message(cli, tmp_path):
    path = tmp_path / "missing.toml"
    with pytest.raises(FileNotFoundError) as caught:
        spotsim.load(path)
    assert str(caught.value) == cli("run", path).stderr.rstrip("\n")


def test_bad_arguments_are_value_errors(root):
    scenario = spotsim.load(root / "scenarios/quickstart.toml")
    with pytest.raises(ValueError, match="threads"):
        scenario.run(runs=10, threads=0)
    with pytest.raises(ValueError, match="target_rse"):
        scenario.run(target_rse=-1.0)
    with pytest.raises(OverflowError):
        scenario.run(runs=-5)
