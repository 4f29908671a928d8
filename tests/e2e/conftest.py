"""The relay fixtures of the integration tests, for end-to-end tests that need deliveries."""

from tests.integration.conftest import receiver, relays

__all__ = ["receiver", "relays"]
