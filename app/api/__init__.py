"""The HTTP face: one package per context with its routers and ``schemas/``; beside them
the app (``app.py``), auth and shared dependencies (``deps.py``), problem+json errors,
middleware and the shared schemas (``schemas.py``)."""
