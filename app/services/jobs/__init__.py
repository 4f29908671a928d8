"""The scheduled jobs of SPEC section 7, one module each, each an async use case:
``run_<job>(uow_factory, ctx, params) -> JobResult``. ``registry`` names them."""
