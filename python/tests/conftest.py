"""Shared fixtures: the repository, and the `spotsim` binary built from the same source
(SPOTSIM_BIN, else target/debug/spotsim as `cargo test` leaves it, else target/release)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _binary() -> Path:
    given = os.environ.get("SPOTSIM_BIN")
    if given:
        return Path(given)
    for profile in ("debug", "release"):
        candidate = ROOT / "target" / profile / "spotsim"
        if candidate.exists():
            return candidate
    pytest.skip("no spotsim binary: run `cargo build` first or set SPOTSIM_BIN")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli():
    """Runs the binary in the repository root; returns (exit code, stdout, stderr)."""
    binary = _binary()

    def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(binary), *map(str, args)], cwd=cwd, capture_output=True, text=True
        )

    return run
