"""Type stubs of the native module `spotsim._spotsim` (python/src/)."""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import pandas

_Path = Union[str, PathLike[str]]

class ScenarioError(ValueError):
    """A scenario (or a request) that breaks the format's rules: the binary's message, and
    every problem in `problems`."""

    problems: List[Problem]

class Problem:
    """One problem of a scenario: where it is and what rule it breaks."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def key(self) -> Optional[str]: ...
    @property
    def message(self) -> str: ...

class Scenario:
    """A validated scenario, ready to run."""

    @property
    def toml(self) -> str: ...
    @property
    def path(self) -> Optional[Path]: ...
    @property
    def name(self) -> str: ...
    @property
    def runs(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def assumed(self) -> List[Tuple[str, str]]: ...
    def run(
        self,
        runs: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        *,
        target_rse: Optional[float] = None,
        keep_runs: bool = True,
    ) -> Result: ...
    def sweep(
        self,
        set: Union[str, Sequence[str], Mapping[str, Sequence[Any]]],
        metric: Optional[str] = None,
        target_completion: Optional[float] = None,
        runs: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def compare(
        self,
        *others: Scenario,
        target_completion: float = 0.99,
        runs: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def recommend(
        self,
        target_completion: float = 0.95,
        runs: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def trace(
        self, run: int = 0, seed: Optional[int] = None, start: Optional[str] = None
    ) -> Dict[str, Any]: ...
    def report(
        self,
        path: _Path,
        runs: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> Path: ...

class Result:
    """What `Scenario.run` found."""

    @property
    def name(self) -> str: ...
    @property
    def runs(self) -> int: ...
    @property
    def seed(self) -> int: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_table(self) -> str: ...
    def runs_frame(self) -> pandas.DataFrame: ...
    def chart_svg(self, kind: str) -> str: ...
    def _repr_html_(self) -> str: ...

class Fleet:
    """A validated fleet file."""

    @property
    def path(self) -> Path: ...
    def run(
        self,
        runs: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        *,
        no_quotas: bool = False,
    ) -> Dict[str, Any]: ...

def load(path: _Path) -> Union[Scenario, Fleet]: ...
def loads(text: str, path: Optional[_Path] = None) -> Scenario: ...
def from_dict(d: Mapping[str, Any], path: Optional[_Path] = None) -> Scenario: ...
def fleet(
    path: _Path,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    *,
    no_quotas: bool = False,
) -> Dict[str, Any]: ...
def _from_request(text: str, file: str, overrides: Mapping[str, Mapping[str, Any]]) -> Scenario: ...
