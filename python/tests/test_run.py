"""`Scenario.run` against `spotsim run`: the JSON byte for byte, the runs frame against
`--runs-csv`, for any thread count."""

from __future__ import annotations

import json

import pytest

import spotsim


@pytest.mark.parametrize(
    "scenario, runs, seed",
    [
        ("scenarios/quickstart.toml", 3000, 7),
        ("scenarios/reference.toml", 2000, 11),
        ("scenarios/markov.toml", 1500, 3),
        ("scenarios/time-of-day.toml", 1000, 5),
    ],
)
def test_to_json_is_the_binarys_json_byte_for_byte(root, cli, scenario, runs, seed):
    result = spotsim.load(root / scenario).run(runs=runs, seed=seed)
    # The binary is given the same relative path, so the job's name and file agree.
    out = cli("run", scenario, "--runs", runs, "--seed", seed, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert result.to_json() == out.stdout
    assert result.to_dict() == json.loads(out.stdout)


def test_the_files_runs_and_seed_are_the_default(root, cli):
    text = (root / "scenarios/quickstart.toml").read_text()
    assert "[simulation]" not in text, "the quickstart has a [simulation] table: update this test"
    text += "\n[simulation]\nruns = 1200\nseed = 5\n"
    path = root / "target" / "py-default-runs.toml"
    path.write_text(text)
    try:
        result = spotsim.load(path).run()
        out = cli("run", path, "--format", "json")
        assert (result.runs, result.seed) == (1200, 5)
        assert result.to_json() == out.stdout
    finally:
        path.unlink()


def test_same_output_for_any_thread_count(root):
    scenario = spotsim.load(root / "scenarios/quickstart.toml")
    one = scenario.run(runs=70_000, seed=2, threads=1)
    three = scenario.run(runs=70_000, seed=2, threads=3)
    assert one.to_json() == three.to_json()


def test_loads_and_from_dict_give_the_files_result(root):
    path = root / "scenarios/quickstart.toml"
    text = path.read_text()
    from_file = spotsim.load(path).run(runs=2000, seed=4).to_dict()
    from_text = spotsim.loads(text).run(runs=2000, seed=4).to_dict()
    import tomllib

    from_dict = spotsim.from_dict(tomllib.loads(text)).run(runs=2000, seed=4).to_dict()
    # Same figures; only the name may differ (a file's stem, or the job's `name`).
    for other in (from_text, from_dict):
        assert other["spot"] == from_file["spot"]
        assert other["on_demand"] == from_file["on_demand"]


def test_runs_frame_is_the_runs_csv(root, cli, tmp_path):
    pd = pytest.importorskip("pandas")
    csv = tmp_path / "runs.csv"
    out = cli(
        "run", "scenarios/quickstart.toml", "--runs", 3000, "--seed", 9, "--runs-csv", csv
    )
    assert out.returncode == 0, out.stderr
    expected = pd.read_csv(csv)
    frame = spotsim.load(root / "scenarios/quickstart.toml").run(runs=3000, seed=9).runs_frame()
    assert list(frame.columns) == list(expected.columns)
    assert len(frame) == 3000
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert set(frame["outcome"]) >= {"Completed"}


def test_runs_frame_without_kept_runs_says_so(root):
    result = spotsim.load(root / "scenarios/quickstart.toml").run(runs=100, keep_runs=False)
    with pytest.raises(ValueError, match="keep_runs=True"):
        result.runs_frame()


def test_runs_frame_names_pandas_when_it_is_missing(root, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    result = spotsim.load(root / "scenarios/quickstart.toml").run(runs=100)
    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError, match="pip install pandas"):
        result.runs_frame()


def test_target_rse_is_the_binarys(root, cli):
    result = spotsim.load(root / "scenarios/quickstart.toml").run(
        runs=200_000, seed=3, target_rse=0.05
    )
    out = cli(
        "run", "scenarios/quickstart.toml", "--runs", 200_000, "--seed", 3,
        "--target-rse", 0.05, "--format", "json",
    )
    assert out.returncode == 0, out.stderr
    assert result.to_json() == out.stdout
    assert result.runs < 200_000


def test_html_view_has_the_table_and_two_svg_charts(root):
    result = spotsim.load(root / "scenarios/quickstart.toml").run(runs=2000, seed=1)
    html = result._repr_html_()
    assert "<pre>" in html and "Completed" in html
    assert html.count("<svg") == 2
    assert result.to_table().splitlines()[0].split("·")[0].strip() in html


def test_chart_svg_names_the_charts(root):
    result = spotsim.load(root / "scenarios/quickstart.toml").run(runs=500, seed=1)
    assert result.chart_svg("timeline").startswith("<svg")
    with pytest.raises(ValueError, match="completion"):
        result.chart_svg("pie")
