"""Outbound webhooks: Standard Webhooks signatures and the httpx sender."""
