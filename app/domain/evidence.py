"""Evidence: links to documents kept in the company's own document store.

Huikuan keeps links, never files. A link is http(s) only (a ``file:`` or ``javascript:``
address would point a reader's browser somewhere the service can't vouch for).
Interactions, balance confirmations, legal actions and milestones carry a list of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from app.domain.errors import ValidationFailed

MAX_LINKS = 50
MAX_URL_LENGTH = 2048
MAX_NAME_LENGTH = 200
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    url: str
    name: str
    sha256: str | None = None
    kind: str | None = None

    def document(self) -> dict[str, str | None]:
        return {"url": self.url, "name": self.name, "sha256": self.sha256, "kind": self.kind}


def url_problem(url: str) -> str | None:
    """Why ``url`` can't be an evidence link (None when it can)."""
    if len(url) > MAX_URL_LENGTH:
        return f"must be at most {MAX_URL_LENGTH} characters"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return "must be an http or https address"
    if not parts.hostname:
        return "must name a host"
    return None


def sha256_problem(digest: str) -> str | None:
    if _SHA256.fullmatch(digest) is None:
        return "must be 64 lowercase hexadecimal digits"
    return None


def evidence_link(raw: Mapping[str, Any], loc: tuple[str | int, ...] = ()) -> EvidenceLink:
    """One link from a stored or received document, checked."""
    url, name = raw.get("url"), raw.get("name")
    sha, kind = raw.get("sha256"), raw.get("kind")
    if not isinstance(url, str) or (problem := url_problem(url)) is not None:
        raise ValidationFailed(f"url {problem or 'is required'}", (*loc, "url"))
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(
            f"name is required, at most {MAX_NAME_LENGTH} characters", (*loc, "name")
        )
    if sha is not None and (not isinstance(sha, str) or sha256_problem(sha) is not None):
        raise ValidationFailed("sha256 must be 64 lowercase hexadecimal digits", (*loc, "sha256"))
    if kind is not None and not isinstance(kind, str):
        raise ValidationFailed("kind must be text", (*loc, "kind"))
    return EvidenceLink(url=url, name=name.strip(), sha256=sha, kind=kind)


def evidence_links(
    raws: Iterable[Mapping[str, Any]], loc: tuple[str | int, ...] = ("evidence",)
) -> tuple[EvidenceLink, ...]:
    links = tuple(evidence_link(raw, (*loc, i)) for i, raw in enumerate(raws))
    if len(links) > MAX_LINKS:
        raise ValidationFailed(f"at most {MAX_LINKS} evidence links", loc)
    return links


def evidence_documents(links: Iterable[EvidenceLink]) -> list[dict[str, str | None]]:
    return [link.document() for link in links]
