"""Request and response bodies of controls."""
