"""Print the OpenAPI document (``make openapi`` writes it to openapi/openapi.json)."""

from __future__ import annotations

import json
import sys
from typing import Any

from app.api.app import create_app


def openapi_document() -> dict[str, Any]:
    return create_app().openapi()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(openapi_document()))
