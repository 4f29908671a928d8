"""Evidence links: http(s) only, a name, an optional lowercase SHA-256."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.api.schemas import EvidenceIn
from app.domain.errors import ValidationFailed
from app.domain.evidence import EvidenceLink, evidence_links

GOOD = {"url": "https://docs.example.com/a.pdf", "name": "验收单"}


def test_a_link_round_trips_as_a_document() -> None:
    (link,) = evidence_links([{**GOOD, "sha256": "a" * 64, "kind": "acceptance"}])
    assert link == EvidenceLink(GOOD["url"], "验收单", "a" * 64, "acceptance")
    assert evidence_links([link.document()]) == (link,)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "javascript:alert(1)", "ftp://x.example/a", "https:///nohost", "x"],
)
def test_only_http_addresses_with_a_host_are_links(url: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        evidence_links([{**GOOD, "url": url}])
    assert raised.value.loc == ("evidence", 0, "url")
    with pytest.raises(ValidationError):
        EvidenceIn.model_validate({**GOOD, "url": url})


@pytest.mark.parametrize("sha", ["A" * 64, "a" * 63, "g" * 64])
def test_a_digest_is_64_lowercase_hex_digits(sha: str) -> None:
    with pytest.raises(ValidationFailed):
        evidence_links([{**GOOD, "sha256": sha}])
    with pytest.raises(ValidationError):
        EvidenceIn.model_validate({**GOOD, "sha256": sha})


def test_a_link_needs_a_name() -> None:
    with pytest.raises(ValidationFailed):
        evidence_links([{"url": GOOD["url"], "name": " "}])
    assert EvidenceIn.model_validate(GOOD).name == "验收单"
