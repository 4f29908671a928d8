"""The committed OpenAPI document is the app's; every route is documented."""

from __future__ import annotations

import json
from pathlib import Path

from app.api.openapi_document import openapi_document, render

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_the_committed_document_matches_the_app() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == openapi_document(), "the API changed: run `make openapi` and commit"
    assert COMMITTED.read_text(encoding="utf-8") == render(openapi_document())


def test_every_operation_has_a_summary_a_tag_and_documented_errors() -> None:
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("tags"), where
            if operation.get("security"):
                for status in ("401", "403", "422"):
                    assert status in operation["responses"], (where, status)
                    content = operation["responses"][status]["content"]
                    assert "application/problem+json" in content, (where, status)
            if "{" in path and operation.get("security"):
                assert "404" in operation["responses"], where
