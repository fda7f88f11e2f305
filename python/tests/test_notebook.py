"""examples/quickstart.ipynb runs top to bottom (needs nbclient, ipykernel, pandas and
matplotlib, which CI installs; skipped without them)."""

from __future__ import annotations

import pytest


def test_the_example_notebook_runs_top_to_bottom(root):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    notebook = nbformat.read(root / "examples" / "quickstart.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(root / "examples")}},
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # The result showed as HTML with its charts, and the histogram was drawn.
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any(page.count("<svg") == 2 for page in html)
    assert any("image/png" in o.get("data", {}) for o in outputs)
