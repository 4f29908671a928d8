"""The scheduled jobs, one module each, each an async use case:
``run_<job>(uow_factory, ctx, params) -> JobResult``. ``registry`` names them."""
