"""`Result.runs_frame()`: the packed rows of the native module as a pandas DataFrame."""

from __future__ import annotations

from typing import Any, Sequence

# The packed row (python/src/lib.rs, `PackedRows`): nine little-endian 8-byte fields.
_FIELDS = [
    ("run", "<i8"),
    ("outcome", "<i8"),
    ("wall_s", "<f8"),
    ("training_s", "<f8"),
    ("billable_s", "<f8"),
    ("cost_usd", "<f8"),
    ("interruptions", "<i8"),
    ("waiting_s", "<f8"),
    ("lost_work_s", "<f8"),
]


def runs_frame(packed: bytes, outcomes: Sequence[str]) -> Any:
    """The DataFrame of `spotsim run --runs-csv`'s columns from the packed rows."""
    try:
        import numpy as np
        import pandas as pd
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Result.runs_frame() needs pandas, which is not installed: "
            "pip install pandas (or pip install 'spotsim[pandas]')"
        ) from error
    rows = np.frombuffer(packed, dtype=np.dtype(_FIELDS))
    names = np.array(list(outcomes), dtype=object)
    columns = {name: np.array(rows[name]) for name, _ in _FIELDS}
    columns["outcome"] = names[rows["outcome"]]
    return pd.DataFrame(columns)
