"""ASGI entry point: ``uvicorn --factory app.main:app``."""

from __future__ import annotations

from fastapi import FastAPI

from app.bootstrap import create_web_app


def app() -> FastAPI:
    return create_web_app()
