"""docs/configuration.md lists every setting, and no setting that no longer exists."""

from __future__ import annotations

import re
from pathlib import Path

from app.settings import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
NOT_SETTINGS = {
    "HUIKUAN_DATABASE_URL",
    "HUIKUAN_FUZZ_SECONDS",
    "HUIKUAN_BENCH_RAW_LIMIT",
    "HUIKUAN_EVENTS",
}  # an alias; knobs; the stream's name


def environment_name(field: str) -> str:
    return "DATABASE_URL" if field == "database_url" else f"HUIKUAN_{field.upper()}"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    names = [environment_name(field) for field in Settings.model_fields]
    assert [name for name in names if name not in text] == []


def test_no_documented_setting_is_stale() -> None:
    documented = set(re.findall(r"HUIKUAN_[A-Z_]+", DOC.read_text(encoding="utf-8")))
    known = {environment_name(f) for f in Settings.model_fields} | NOT_SETTINGS
    assert documented - known == set()
