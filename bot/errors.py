"""Errors a person must hear about, in words they can act on."""

from __future__ import annotations

from collections.abc import Mapping


class TandemError(Exception):
    """A refusal or problem to show the person who asked, never a traceback."""


class InvalidInput(TandemError):
    """Input that cannot be accepted; `problems` maps each field to what is wrong with it."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__(" ".join(self.problems.values()))
