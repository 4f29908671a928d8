"""`make help` lists every task: each .PHONY target carries a `## ` description."""

from __future__ import annotations

import re
from pathlib import Path

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


def test_every_phony_target_has_a_help_line() -> None:
    text = MAKEFILE.read_text().replace("\\\n", " ")
    declared = re.search(r"^\.PHONY:(.*)$", text, re.MULTILINE)
    assert declared is not None
    phony = set(declared[1].split())
    described: set[str] = set()
    for targets in re.findall(r"^([a-z][a-z -]*):[^#\n]*## \S", text, re.MULTILINE):
        described.update(targets.split())
    assert phony - described == set()
    assert described - phony == set()
