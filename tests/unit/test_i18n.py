"""The message catalogues: every key in both languages, every header and title the
service shows has a key, and how a request picks its language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.api.errors import HTTP_PROBLEMS
from app.domain import errors
from app.domain.i18n import CATALOGUES, choose_locale, message, problem_key
from app.domain.reporting.review import SECTION_KEYS

ROOT = Path(__file__).resolve().parents[2]


def test_every_key_exists_in_both_languages() -> None:
    english, chinese = CATALOGUES["en"], CATALOGUES["zh-CN"]
    assert sorted(set(english) - set(chinese)) == []
    assert sorted(set(chinese) - set(english)) == []
    for key in english:
        assert english[key].strip(), key
        assert chinese[key].strip(), key


def test_every_section_and_column_of_the_review_has_a_title() -> None:
    source = (ROOT / "app" / "services" / "reporting" / "review.py").read_text(encoding="utf-8")
    columns = set(re.findall(r'"([a-z0-9_]+)"', source))
    for key in SECTION_KEYS:
        assert f"section.{key}" in CATALOGUES["en"], key
    # Every quoted snake_case word in a section's columns tuple is a column key.
    for block in re.findall(r"columns = \(([^)]*)\)", source):
        for name in re.findall(r'"([a-z0-9_]+)"', block):
            assert f"column.{name}" in CATALOGUES["en"], name
    assert columns  # the scan found the module's strings


def test_every_problem_title_has_a_key() -> None:
    titles = {title for _, title in HTTP_PROBLEMS.values()}
    titles |= {
        cls.title
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.DomainError)
    }
    for title in titles:
        assert problem_key(title) in CATALOGUES["en"], title
        assert message("en", problem_key(title)) == title


@pytest.mark.parametrize(
    ("lang", "accept", "expected"),
    [
        ("zh", None, "zh-CN"),
        ("zh-CN", "en", "zh-CN"),
        ("en", "zh-CN", "en"),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        (None, "en-GB,zh;q=0.5", "en"),
        (None, "fr-FR, zh-TW;q=0.3", "zh-CN"),
        (None, "fr-FR", "en"),
        (None, None, "en"),
        ("xx", "de", "en"),
        (None, "zh;q=0", "en"),
    ],
)
def test_a_request_picks_its_language(lang: str | None, accept: str | None, expected: str) -> None:
    assert choose_locale(lang, accept, "en") == expected


def test_the_default_applies_when_nothing_is_asked() -> None:
    assert choose_locale(None, None, "zh-CN") == "zh-CN"
    assert message("zh-CN", "no.such.key") == "no.such.key"
