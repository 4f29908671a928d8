"""Which characters a stored text may hold.

Control characters (C0, DEL, C1) and the bidirectional overrides and isolates that make
text display in another order than it is stored (U+202A-U+202E, U+2066-U+2069, the
"Trojan Source" set) are refused in names, titles and ids. Multi-line fields (summaries,
descriptions, notes) keep line breaks and tabs. Lone surrogates are no characters at all.
"""

from __future__ import annotations

import re

_BIDI_AND_SURROGATES = "\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_SINGLE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_AND_SURROGATES}]")
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_AND_SURROGATES}]")


def refused_character(text: str, *, multiline: bool = False) -> str | None:
    """Why ``text`` cannot be stored (None when it can): the first refused character."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(text)
    if found is None:
        return None
    char = found.group()
    if char >= "\ud800":
        kind = "lone surrogate"
    elif char >= "\u202a":
        kind = "bidirectional control"
    else:
        kind = "control character"
    allowed = " (line breaks and tabs are fine)" if multiline else ""
    return f"must not hold the {kind} U+{ord(char):04X}{allowed}"
