"""PostgreSQL adapter: one package per context with its ``tables.py`` and repositories;
beside them the engine, the one ``MetaData`` (``metadata.py``), every table
(``tables.py``), the unit of work (``uow.py``) and the migrations."""
