"""The README's Python lines run as shown (pandas and matplotlib needed, as it says)."""

from __future__ import annotations

import re

import pytest


def test_the_readmes_python_lines_run(root, monkeypatch):
    pytest.importorskip("pandas")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    readme = (root / "README.md").read_text()
    section = readme.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(code.strip().splitlines()) == 5
    monkeypatch.chdir(root)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    result = namespace["result"]
    assert result.runs == 100_000
    figure = matplotlib.pyplot.gcf()
    assert figure.axes and figure.axes[0].patches, "no histogram was drawn"
