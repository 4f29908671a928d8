"""GET /dashboard: the managers' page, and its script and style under /dashboard/assets.

The page needs no key to load; it asks for a read key and sends it with every API call
from the browser. Both message catalogues travel in the page (a JSON block, not script),
so it switches language without another request.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from app.domain.i18n import CATALOGUES, choose_locale, message

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
# The page's own script and style only; inline style is allowed for the printable pack the
# page opens from a blob (which inherits this policy).
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)


@cache
def _template() -> str:
    return (HERE / "dashboard.html").read_text(encoding="utf-8")


def _messages_json() -> str:
    # "</" cannot end the JSON block early: the catalogues are data, never markup.
    return json.dumps(CATALOGUES, ensure_ascii=False).replace("</", "<\\/")


async def dashboard_page(request: Request) -> HTMLResponse:
    platform = request.app.state.platform
    locale = choose_locale(
        request.query_params.get("lang"), request.headers.get("accept-language"), platform.locale
    )
    page = (
        _template()
        .replace("{{lang}}", locale)
        .replace("{{title}}", escape(message(locale, "dash.title")))
        .replace("{{messages}}", _messages_json())
    )
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )


def install_dashboard(app: FastAPI) -> None:
    app.add_route("/dashboard", dashboard_page, methods=["GET"], include_in_schema=False)
    app.mount("/dashboard/assets", StaticFiles(directory=STATIC), name="dashboard-assets")
