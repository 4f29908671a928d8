"""The benchmark's webhook receiver: records when each webhook-id first arrived.

Run as ``python bench/_receiver.py PORT``. ``GET /stats`` answers
``{"first_seen": {webhook_id: unix_time}, "requests": n}``; ``POST /reset`` forgets.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import uvicorn

first_seen: dict[str, float] = {}
requests = 0


async def _answer(send: Any, status: int, body: bytes = b"") -> None:
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global requests
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    if scope["method"] == "GET":
        stats = {"first_seen": first_seen, "requests": requests}
        await _answer(send, 200, json.dumps(stats).encode())
        return
    if scope["path"] == "/reset":
        first_seen.clear()
        requests = 0
        await _answer(send, 204)
        return
    now = time.time()
    requests += 1
    for name, value in scope["headers"]:
        if name == b"webhook-id":
            first_seen.setdefault(value.decode(), now)
    await _answer(send, 204)


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        interface="asgi3",
        lifespan="off",
    )
