"""PostgreSQL adapter: engine, tables, repositories, unit of work and migrations."""
