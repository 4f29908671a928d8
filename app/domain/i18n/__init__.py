"""Message catalogues, one module per language (``en``, ``zh_cn``), and how a request picks
one: ``?lang=`` first, then ``Accept-Language``, else the caller's default.

JSON field names and enum values never change with the language; only titles, labels and
headers do. A missing key falls back to English, then to the key itself.
"""

from __future__ import annotations

import re
from typing import Literal

from app.domain.i18n import en, zh_cn

Locale = Literal["zh-CN", "en"]
LOCALES: tuple[Locale, ...] = ("zh-CN", "en")
CATALOGUES: dict[Locale, dict[str, str]] = {"en": en.MESSAGES, "zh-CN": zh_cn.MESSAGES}


def message(locale: Locale, key: str) -> str:
    return CATALOGUES[locale].get(key) or en.MESSAGES.get(key) or key


def _locale_of(tag: str) -> Locale | None:
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    if primary == "zh":
        return "zh-CN"
    if primary == "en":
        return "en"
    return None


def choose_locale(lang: str | None, accept_language: str | None, default: Locale) -> Locale:
    """``lang`` (``zh``, ``zh-CN``, ``en``) wins; else the ``Accept-Language`` range with
    the highest q that names a language we have; else ``default``."""
    if lang:
        found = _locale_of(lang)
        if found is not None:
            return found
    best: tuple[float, Locale] | None = None
    for part in (accept_language or "").split(","):
        tag, *params = (p.strip() for p in part.split(";"))
        found = _locale_of(tag) if tag and tag != "*" else None
        if found is None:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, found)
    return best[1] if best else default


def problem_key(title: str) -> str:
    """The catalogue key of a problem title: its English text as a key."""
    return "problem." + re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
