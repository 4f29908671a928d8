"""PostgreSQL adapter: one package per context with its table models (``models.py``,
SQLModel) and repositories (SQLAlchemy Core, asyncpg on hot paths); beside them the engine,
the one ``MetaData`` (``metadata.py``), every table gathered (``tables.py``), the unit of
work (``uow.py``) and the migrations."""
